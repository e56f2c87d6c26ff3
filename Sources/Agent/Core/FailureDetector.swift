/// A per-node accrual failure detector fed with arrival times (wall seconds) and asked for a suspicion level.
public protocol FailureDetector: Sendable {
    /// Records an arrival at `now`.
    mutating func add(now: AgentSeconds)
    /// Suspicion level at `now` (higher = more likely dead).
    func phi(now: AgentSeconds) -> Double
    /// Number of samples in the window (Fluentd's `sample_size`).
    var sampleCount: Int { get }
    /// Time of the last arrival (0 after `clear`).
    var last: AgentSeconds { get }
    /// Empties the window and sets `last = 0` (fd.rb:78-81).
    mutating func clear()
    /// Whether successful data sends should add samples (Fluentd: yes, quirk 2 (docs/quirks.md); the variants: no).
    var acceptsSendSamples: Bool { get }
}

extension FailureDetector {
    /// fd.rb:35-37: strict `now - last > hard_timeout`.
    public func isHardTimedOut(now: AgentSeconds, hardTimeout: AgentSeconds) -> Bool {
        now - last > hardTimeout
    }
}

/// Which detector a node uses; selected by configuration. `.fluentd` is the default.
public enum DetectorKind: Sendable, Equatable, Hashable {
    /// Fluentd v1.16 exact (docs/forward-protocol.md, "Phi accrual detector"): exponential form, weighted integer-µs mean, "− h + 1" shift.
    case fluentd
    /// Exponential form without the shift, fed by heartbeats only (quirk 1/2 better behaviour).
    case exponential
    /// Hayashibara/Akka normal-CDF form with its parameters.
    case normal(NormalPhiDetector.Parameters)

    /// Builds a detector as Fluentd does at configure time (window `[h·10^6]`, `last = configureTime`).
    public func makeDetector(heartbeatInterval: AgentSeconds, configureTime: AgentSeconds) -> AnyFailureDetector {
        switch self {
        case .fluentd:
            .fluentd(PhiAccrualDetector(heartbeatInterval: heartbeatInterval, initialLast: configureTime.rounded(.down)))
        case .exponential:
            .exponential(ExponentialPhiDetector(heartbeatInterval: heartbeatInterval, initialLast: configureTime))
        case .normal(let p):
            .normal(NormalPhiDetector(parameters: p, initialLast: configureTime))
        }
    }
}

/// A closed set of detectors, so nodes store them inline without existential boxes.
public enum AnyFailureDetector: FailureDetector {
    case fluentd(PhiAccrualDetector)
    case exponential(ExponentialPhiDetector)
    case normal(NormalPhiDetector)
    /// No detection at all (phi 0, never hard-times-out); also a cheap placeholder while mutating a payload in place.
    case disabled

    public mutating func add(now: AgentSeconds) {
        // Move the payload out first so its ring buffer stays uniquely referenced (no copy-on-write).
        switch self {
        case .fluentd(var d): self = .disabled; d.add(now: now); self = .fluentd(d)
        case .exponential(var d): self = .disabled; d.add(now: now); self = .exponential(d)
        case .normal(var d): self = .disabled; d.add(now: now); self = .normal(d)
        case .disabled: break
        }
    }

    public func phi(now: AgentSeconds) -> Double {
        switch self {
        case .fluentd(let d): d.phi(now: now)
        case .exponential(let d): d.phi(now: now)
        case .normal(let d): d.phi(now: now)
        case .disabled: 0
        }
    }

    public var sampleCount: Int {
        switch self {
        case .fluentd(let d): d.sampleCount
        case .exponential(let d): d.sampleCount
        case .normal(let d): d.sampleCount
        case .disabled: 0
        }
    }

    public var last: AgentSeconds {
        switch self {
        case .fluentd(let d): d.last
        case .exponential(let d): d.last
        case .normal(let d): d.last
        case .disabled: 0
        }
    }

    public var acceptsSendSamples: Bool {
        switch self {
        case .fluentd(let d): d.acceptsSendSamples
        case .exponential(let d): d.acceptsSendSamples
        case .normal(let d): d.acceptsSendSamples
        case .disabled: false
        }
    }

    public mutating func clear() {
        switch self {
        case .fluentd(var d): self = .disabled; d.clear(); self = .fluentd(d)
        case .exponential(var d): self = .disabled; d.clear(); self = .exponential(d)
        case .normal(var d): self = .disabled; d.clear(); self = .normal(d)
        case .disabled: break
        }
    }

    /// `.disabled` never hard-times-out (heartbeat_type none nodes never detach).
    public func isHardTimedOut(now: AgentSeconds, hardTimeout: AgentSeconds) -> Bool {
        if case .disabled = self { return false }
        return now - last > hardTimeout
    }
}

/// Saturating Double → Int64 conversion with Ruby's `to_i` truncation toward zero (NaN → 0).
@inline(__always)
func truncatedMicroseconds(_ seconds: Double, limit: Int64) -> Int64 {
    let us = seconds * 1e6
    guard us.isFinite else { return us.isNaN ? 0 : (us > 0 ? limit : -limit) }
    if us >= Double(limit) { return limit }
    if us <= -Double(limit) { return -limit }
    return Int64(us)  // truncates toward zero like Ruby's Float#to_i
}
