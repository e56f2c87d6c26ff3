import ForwardProtocol
import ForwardServer
import NIOCore

/// `ack_reorder`: holds acks back and releases them after a later ack on the same connection, so a
/// pipelining client sees them out of order: with `depth: 1` the acks of requests 1,2,3,4 arrive as
/// 2,1,4,3. A held ack is lost if no later ack comes on its connection (the agent's timeout then fires).
///
/// Parameters: `depth` — acks held before the release (default 1); a `MessageSelector` choosing which
/// acks may be held (the releasing ack is always the next one).
public struct AckReorderFault: Fault {
    public static let kind = "ack_reorder"
    public static let summary = "hold acks and release them after a later ack (reversed order)"

    public var depth: Int
    public var selector: MessageSelector
    private var held = ConnectionStateTable<[String]>()

    public init(depth: Int = 1, selector: MessageSelector = MessageSelector()) {
        self.depth = depth
        self.selector = selector
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        depth = try r.int("depth", default: 1, range: 1 ... 64)
        selector = try MessageSelector(reading: &r)
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        var p = FaultParameters(selector.parameters)
        p["depth"] = .number(Double(depth))
        return p
    }

    public mutating func beforeAck(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverAckDecision? {
        guard let chunk = request.chunkID else { return nil }
        let id = request.connection.id
        var queue = held[id, default: []]
        if queue.count >= depth {
            // Release: this ack first, then the held ones newest first.
            var out = ByteBuffer()
            ForwardAck.write(chunk: chunk, into: &out)
            for h in queue.reversed() { ForwardAck.write(chunk: h, into: &out) }
            held.remove(id)
            context.note = "released \(queue.count) held ack(s) after this one"
            return .replace(out)
        }
        guard selector.select(request, gate: { context.fires() }) else {
            if !queue.isEmpty {
                // An unselected ack still releases what is held, behind it.
                var out = ByteBuffer()
                ForwardAck.write(chunk: chunk, into: &out)
                for h in queue.reversed() { ForwardAck.write(chunk: h, into: &out) }
                held.remove(id)
                context.note = "released \(queue.count) held ack(s) after this one"
                return .replace(out)
            }
            return nil
        }
        queue.append(chunk)
        held[id] = queue
        context.note = "held (\(queue.count)/\(depth))"
        return .drop
    }

    public mutating func connectionClosed(_ connection: ReceiverConnectionInfo) {
        held.remove(connection.id)
    }
}
