import ForwardServer

/// `chunk_size_limit`: drops event requests larger than `limit` bytes without an ack, as in_forward's
/// `chunk_size_limit` does (docs/forward-protocol.md, "Chunk size limits"), but switchable at run time and measured on the message's own length.
/// The agent times out waiting for the ack and resends the same chunk forever (it never fits).
///
/// Parameters: `limit` — bytes (required).
public struct ChunkSizeLimitFault: Fault {
    public static let kind = "chunk_size_limit"
    public static let summary = "drop requests over N bytes without an ack (in_forward's chunk_size_limit)"

    public var limit: Int

    public init(limit: Int) { self.limit = limit }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        limit = try r.int("limit", range: 0 ... Int.max)
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters { ["limit": .number(Double(limit))] }

    public mutating func beforeAccepting(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverRequestDecision? {
        guard request.frameLength > limit, context.fires() else { return nil }
        context.note = "size \(request.frameLength) > limit \(limit)"
        return .drop
    }
}
