import Agent

/// The detector a sweep lane runs: Fluentd-exact, exponential without the shift, or Hayashibara normal (quirk 1 in docs/quirks.md).
public enum DetectorChoice: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    /// `PhiAccrualDetector`, fed by heartbeats and data sends (Fluentd v1.16).
    case fluentd
    /// `ExponentialPhiDetector`: `Δ / (mean · ln 10)`, heartbeats only.
    case exponential
    /// `NormalPhiDetector` with the model's Akka-style parameters, heartbeats only.
    case normal

    /// The agent's `DetectorKind` for heartbeat interval `h`.
    public func kind(heartbeatInterval h: Double, model: NetworkModel) -> DetectorKind {
        switch self {
        case .fluentd: .fluentd
        case .exponential: .exponential
        case .normal: .normal(model.normalDetector.parameters(heartbeatInterval: h))
        }
    }
}
