import Foundation

/// Opt-in variant (quirks 1–2 (docs/quirks.md)): Fluentd's exponential phi without the "− h + 1" shift, `phi = Δ / (mean · ln 10)`,
/// fed by heartbeats only, with a guard for non-positive means.
public struct ExponentialPhiDetector: FailureDetector, Equatable {
    // Same window and weighted integer-µs mean as Fluentd; only the formula differs.
    private var base: PhiAccrualDetector

    /// Window `[h·10^6]`, `last = initialLast`.
    public init(heartbeatInterval: AgentSeconds, initialLast: AgentSeconds) {
        base = PhiAccrualDetector(heartbeatInterval: heartbeatInterval, initialLast: initialLast)
    }

    public var heartbeatInterval: AgentSeconds { base.heartbeatInterval }
    public var last: AgentSeconds { base.last }
    public var sampleCount: Int { base.sampleCount }
    /// Data sends must not shorten the mean (quirk 2).
    public var acceptsSendSamples: Bool { false }

    public mutating func add(now: AgentSeconds) { base.add(now: now) }
    public mutating func clear() { base.clear() }

    public func phi(now: AgentSeconds) -> Double {
        guard let meanUsec = base.weightedMeanMicroseconds else { return 0 }
        var mean = Double(meanUsec) / 1e6
        // A non-positive mean (clock steps) would flip the sign or divide by zero: fall back to h.
        if !(mean > 0) { mean = heartbeatInterval }
        guard mean > 0 else { return 0 }
        let delta = now - last
        return delta / (mean * log(10.0))
    }
}
