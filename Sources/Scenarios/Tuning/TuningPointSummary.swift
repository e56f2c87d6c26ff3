/// Figures for one (detector, heartbeat_interval, phi_threshold) over all seeds. Optional latencies are nil when
/// there is no finite value (no deaths observed with the node available, or never detected).
public struct TuningPointSummary: Sendable, Equatable, Codable {
    public var detector: DetectorChoice
    /// heartbeat_interval, seconds.
    public var interval: Double
    /// phi_threshold.
    public var threshold: Double
    /// Runs.
    public var seeds: Int
    /// Detection latency (death → detach) quantiles and mean, seconds; undetected runs count as infinite.
    public var latencyP50: Double?
    public var latencyP95: Double?
    public var latencyP99: Double?
    public var latencyMean: Double?
    public var latencyMax: Double?
    /// Runs whose detach after death came from phi (vs hard_timeout), as a fraction of detected runs.
    public var detectedByPhiFraction: Double
    /// Runs never detected before the horizon.
    public var undetected: Int
    /// Runs where the node was already unavailable when the receiver died.
    public var unavailableAtDeath: Int
    /// Healthy (alive) time over all runs, hours.
    public var healthyHours: Double
    /// Detaches while alive; of which by hard_timeout.
    public var falseDetaches: Int
    public var falseDetachesByHardTimeout: Int
    /// False detaches per hour and per day of healthy running.
    public var falsePerHour: Double
    public var falsePerDay: Double
    /// 97.5% upper bound of false detaches per day (exact Poisson).
    public var falsePerDayUpper: Double
    /// Detach → recover cycles, total and per hour.
    public var flaps: Int
    public var flapsPerHour: Double
    /// Time to recover after a false detach, seconds (mean and max; nil when none recovered).
    public var recoveryMean: Double?
    public var recoveryMax: Double?
    /// Fraction of healthy time the node was available.
    public var availability: Double
    /// Bytes produced during the detection window at the model's traffic rate (p95 and mean latency × rate).
    public var bytesAtRiskP95: Double?
    public var bytesAtRiskMean: Double?
    /// Not dominated in (latency p95, false/day).
    public var pareto = false
}

/// Per-seed raw figures for one point, kept for bootstrap confidence intervals.
public struct TuningPointSamples: Sendable, Equatable {
    /// Detection latency per seed (∞ = never detected, nil = node already unavailable at death).
    public var latency: [Double?]
    /// False detaches per seed.
    public var falseDetaches: [Int]
    /// Healthy seconds per seed.
    public var healthySeconds: [Double]
    /// First false detach per seed, seconds since start.
    public var firstFalseDetach: [Double?]
}
