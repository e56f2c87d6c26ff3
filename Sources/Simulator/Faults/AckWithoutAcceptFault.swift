import ForwardServer

/// `ack_without_accept`: acks the request but keeps none of its events (a receiver that loses data
/// after acknowledging it, e.g. a crash between ack and flush). The agent commits the chunk, so the
/// events are lost for good: the ledger shows the gap, the rejection counter the cause.
///
/// Parameters: a `MessageSelector` (`tag`, `chunk`, `peer`, `nth`, `every`, `limit`).
public struct AckWithoutAcceptFault: SelectorFault {
    public static let kind = "ack_without_accept"
    public static let summary = "ack the request but drop its events"

    public var selector: MessageSelector

    public init(selector: MessageSelector = MessageSelector()) { self.selector = selector }

    public mutating func beforeAccepting(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverRequestDecision? {
        guard selector.select(request, gate: { context.fires() }) else { return nil }
        return .acknowledgeOnly
    }
}
