import ForwardServer

/// `ack_duplicate`: Writes the ack twice. out_forward's shared decoder then reads a second ack for a chunk it already
/// committed (a mismatch on whatever is in flight next).
///
/// Parameters: a `MessageSelector` (`tag`, `chunk`, `peer`, `nth`, `every`, `limit`).
public struct AckDuplicateFault: SelectorFault {
    public static let kind = "ack_duplicate"
    public static let summary = "write the ack twice"

    public var selector: MessageSelector

    public init(selector: MessageSelector = MessageSelector()) { self.selector = selector }

    public mutating func beforeAck(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverAckDecision? {
        guard selector.select(request, gate: { context.fires() }) else { return nil }
        return .duplicate
    }
}
