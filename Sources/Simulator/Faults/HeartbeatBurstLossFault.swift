import ForwardServer
import NIOCore

/// `heartbeat_burst_loss`: bursty UDP heartbeat loss from a Gilbert–Elliott two-state chain.
///
/// Parameters: `p` — chance per heartbeat of moving good → bad (default 0.05); `r` — chance of moving
/// bad → good (default 0.3); `loss_bad` — loss probability in the bad state (default 1);
/// `loss_good` — loss probability in the good state (default 0). The chain steps once per heartbeat
/// (before the loss draw), starts in the good state, and the mean burst length is 1/r.
/// Long-run loss = (r·loss_good + p·loss_bad) / (p + r). `probability` gates each loss as usual.
public struct HeartbeatBurstLossFault: Fault {
    public static let kind = "heartbeat_burst_loss"
    public static let summary = "bursty heartbeat loss (Gilbert–Elliott: p, r, loss in the bad/good state)"

    public var p: Double
    public var r: Double
    public var lossBad: Double
    public var lossGood: Double
    /// Current chain state.
    public private(set) var bad = false

    public init(p: Double, r: Double, lossBad: Double = 1, lossGood: Double = 0) {
        self.p = p
        self.r = r
        self.lossBad = lossBad
        self.lossGood = lossGood
    }

    public init(parameters: FaultParameters) throws {
        var reader = FaultParameterReader(kind: Self.kind, parameters)
        p = try reader.probability("p", default: 0.05)
        r = try reader.probability("r", default: 0.3)
        lossBad = try reader.probability("loss_bad", default: 1)
        lossGood = try reader.probability("loss_good", default: 0)
        try reader.rejectUnknown()
    }

    public var parameters: FaultParameters {
        ["p": .number(p), "r": .number(r), "loss_bad": .number(lossBad), "loss_good": .number(lossGood)]
    }

    /// The stationary loss ratio of the chain.
    public var expectedLoss: Double { p + r == 0 ? lossGood : (r * lossGood + p * lossBad) / (p + r) }

    public mutating func onHeartbeat(from peer: SocketAddress, byteCount: Int, _ context: inout FaultContext) -> ReceiverHeartbeatDecision? {
        // Every heartbeat steps the chain (and draws), whatever the outcome, so the stream stays aligned.
        let u = context.random.nextUnit()
        bad = bad ? !(u < r) : (u < p)
        let lost = context.random.nextUnit() < (bad ? lossBad : lossGood)
        guard lost, context.fires() else { return nil }
        context.note = bad ? "bad state" : "good state"
        return .drop
    }
}
