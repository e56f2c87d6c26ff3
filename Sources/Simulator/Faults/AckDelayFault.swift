import ForwardServer

/// `ack_delay`: writes selected acks late, typically past the agent's `ack_response_timeout`, so the
/// agent gives up, rolls back and resends while the late ack still arrives (a stale ack; docs/forward-protocol.md, "Ack outcomes").
///
/// Parameters: a `LatencyDistribution` (default fixed `delay: 5s`) and a `MessageSelector`.
public struct AckDelayFault: Fault {
    public static let kind = "ack_delay"
    public static let summary = "write selected acks late (e.g. past the agent's ack timeout)"

    public var distribution: LatencyDistribution
    public var selector: MessageSelector

    public init(distribution: LatencyDistribution, selector: MessageSelector = MessageSelector()) {
        self.distribution = distribution
        self.selector = selector
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        distribution = try LatencyDistribution(reading: &r, defaultDelay: 5_000_000_000)
        selector = try MessageSelector(reading: &r)
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        FaultParameters(distribution.parameters.merging(selector.parameters) { a, _ in a })
    }

    public mutating func beforeAck(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverAckDecision? {
        guard selector.select(request, gate: { context.fires() }) else { return nil }
        return .delay(.nanoseconds(distribution.sample(using: &context.random)))
    }
}
