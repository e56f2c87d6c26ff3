import ForwardServer

/// `close_after_bytes`: closes (FIN) or resets (RST) each connection once it has sent more than `bytes`
/// bytes; the read that crosses the limit is not processed (no ledger entry, no ack for it).
///
/// Parameters: `bytes` (required), `mode` — `fin` (default) or `rst`.
public struct CloseAfterBytesFault: Fault {
    public static let kind = "close_after_bytes"
    public static let summary = "close or reset a connection after it sent N bytes"

    public var limit: Int
    public var reset: Bool
    private var seen = ConnectionStateTable<Int>()

    public init(limit: Int, reset: Bool = false) {
        self.limit = limit
        self.reset = reset
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        limit = try r.int("bytes", range: 0 ... Int.max)
        reset = try r.string("mode", default: "fin", allowed: ["fin", "rst"]) == "rst"
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters { ["bytes": .number(Double(limit)), "mode": reset ? "rst" : "fin"] }

    public mutating func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int, _ context: inout FaultContext) -> ReceiverReadDecision? {
        let total = seen[connection.id, default: 0] + byteCount
        seen[connection.id] = total
        guard total > limit, context.fires() else { return nil }
        seen.remove(connection.id)
        context.note = "\(total) bytes > \(limit)"
        return reset ? .reset : .close
    }

    public mutating func connectionClosed(_ connection: ReceiverConnectionInfo) { seen.remove(connection.id) }
}
