import Agent

/// How a lane's node was detached.
public enum DetachCause: String, Sendable, Equatable, Codable {
    /// phi above phi_threshold.
    case phi
    /// No arrival for longer than hard_timeout.
    case hardTimeout = "hard_timeout"
}

/// What happened to one (detector, threshold) lane during one run.
public struct LaneOutcome: Sendable, Equatable {
    /// Seconds the receiver was alive.
    public var healthySeconds = 0.0
    /// Detaches while the receiver was alive.
    public var falseDetaches = 0
    /// Of which by hard_timeout.
    public var falseDetachesByHardTimeout = 0
    /// Detach → recover cycles completed while alive.
    public var flaps = 0
    /// Sum and maximum of the time from a false detach to its recovery, seconds.
    public var recoverySecondsTotal = 0.0
    public var recoverySecondsMax = 0.0
    /// Seconds the node was unavailable while the receiver was alive.
    public var unavailableSeconds = 0.0
    /// Time of the first false detach, seconds since start.
    public var firstFalseDetach: Double?
    /// Death → detach, seconds (nil when already unavailable at death or never detected).
    public var detectionLatency: Double?
    /// Cause of the detach after death.
    public var detectionCause: DetachCause?
    /// Phi at that detach (nil for hard_timeout or non-finite).
    public var detectionPhi: Double?
    /// The node was already unavailable (after a false detach) when the receiver died.
    public var unavailableAtDeath = false
    /// Not detached before the run's horizon (heartbeat_type none, or a detector that never fires).
    public var undetected = false

    public init() {}
}

/// One point of a phi(t) trace.
public struct PhiSample: Sendable, Equatable, Codable {
    /// What the sample marks.
    public enum Kind: String, Sendable, Equatable, Codable {
        case tick, heartbeat, send, detach, recover, death, stallStart = "stall_start", stallEnd = "stall_end"
    }

    /// Seconds since the run started.
    public var time: Double
    /// Phi at that time (finite values only; ±∞ are clamped to ±1e9).
    public var phi: Double
    public var kind: Kind
}

/// The result of one simulated run: per-lane outcomes plus shared facts.
public struct RunOutcome: Sendable, Equatable {
    /// Seed of the run.
    public var seed: UInt64
    /// heartbeat_interval, seconds.
    public var heartbeatInterval: Double
    /// Death time, seconds since start (nil = never).
    public var deathTime: Double?
    /// Last heartbeat arrival (detect = true sample) before the death.
    public var lastHeartbeatBeforeDeath: Double?
    /// Last arrival of any kind (heartbeat or successful send) before the death.
    public var lastArrivalBeforeDeath: Double?
    /// Simulated seconds.
    public var simulatedSeconds: Double
    /// Events processed.
    public var events: Int
    /// Heartbeat probes sent and replies that arrived while alive.
    public var probesSent: Int
    public var probesAnswered: Int
    /// Stalls that started.
    public var stalls: Int
    /// One per lane, in `SimulationRunSpec.lanes` order.
    public var lanes: [LaneOutcome]
    /// phi(t) samples of `traceLane` (empty unless requested).
    public var phiTrace: [PhiSample]
}
