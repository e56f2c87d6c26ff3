import ForwardServer

/// `ack_drop`: Drops the ack: the events are in the ledger, the agent never hears back and rolls the chunk back after
/// `ack_response_timeout` (docs/forward-protocol.md, "Ack outcomes"), so the chunk arrives again (a duplicate in the ledger).
///
/// Parameters: a `MessageSelector` (`tag`, `chunk`, `peer`, `nth`, `every`, `limit`).
public struct AckDropFault: SelectorFault {
    public static let kind = "ack_drop"
    public static let summary = "drop the ack (the request is accepted, the agent never hears back)"

    public var selector: MessageSelector

    public init(selector: MessageSelector = MessageSelector()) { self.selector = selector }

    public mutating func beforeAck(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverAckDecision? {
        guard selector.select(request, gate: { context.fires() }) else { return nil }
        return .drop
    }
}
