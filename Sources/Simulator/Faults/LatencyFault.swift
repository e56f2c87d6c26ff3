import ForwardServer
import NIOCore

/// `latency`: delays one stage of the receiver by a sampled duration.
///
/// Parameters: `stage` — `read` (hold arriving bytes and stop reading; TCP back-pressure builds),
/// `ack` (write the ack later; later acks are not held back) or `heartbeat` (answer the UDP
/// heartbeat later); plus a `LatencyDistribution` (`distribution`, `delay`/`min`/`max`/`mean`/`stddev`/
/// `scale`/`shape`, `jitter`, `cap`). Default: `stage: ack`, fixed `delay: 200ms`.
public struct LatencyFault: Fault {
    public static let kind = "latency"
    public static let summary = "delay reads, acks or heartbeat replies by a fixed/uniform/normal/pareto latency with jitter"

    /// Where the delay is applied.
    public enum Stage: String, Sendable, CaseIterable { case read, ack, heartbeat }

    public var stage: Stage
    public var distribution: LatencyDistribution

    public init(stage: Stage, distribution: LatencyDistribution) {
        self.stage = stage
        self.distribution = distribution
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        stage = Stage(rawValue: try r.string("stage", default: "ack", allowed: Stage.allCases.map(\.rawValue)))!
        distribution = try LatencyDistribution(reading: &r, defaultDelay: 200_000_000)
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        var p = FaultParameters(distribution.parameters)
        p["stage"] = .string(stage.rawValue)
        return p
    }

    private mutating func delay(_ context: inout FaultContext) -> TimeAmount? {
        guard context.fires() else { return nil }
        return .nanoseconds(distribution.sample(using: &context.random))
    }

    public mutating func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int, _ context: inout FaultContext) -> ReceiverReadDecision? {
        guard stage == .read, let d = delay(&context) else { return nil }
        return .stall(d)
    }

    public mutating func beforeAck(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverAckDecision? {
        guard stage == .ack, let d = delay(&context) else { return nil }
        return .delay(d)
    }

    public mutating func onHeartbeat(from peer: SocketAddress, byteCount: Int, _ context: inout FaultContext) -> ReceiverHeartbeatDecision? {
        guard stage == .heartbeat, let d = delay(&context) else { return nil }
        return .delay(d)
    }
}
