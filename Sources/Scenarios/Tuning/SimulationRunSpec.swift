import Agent

/// When the receiver dies in a run.
public enum DeathSchedule: Sendable, Equatable {
    /// Uniformly within the model's `death.window` of the run's healthy duration.
    case random
    /// At this many seconds after start.
    case at(Double)
    /// Never: the whole run is healthy.
    case never
}

/// One (detector, phi_threshold) setting evaluated as a lane of a run; all lanes of a run share one network realisation.
public struct LaneSpec: Sendable, Equatable, Hashable {
    /// Which detector.
    public var detector: DetectorChoice
    /// phi_threshold.
    public var threshold: Double

    public init(detector: DetectorChoice = .fluentd, threshold: Double) {
        self.detector = detector
        self.threshold = threshold
    }
}

/// Everything one simulated run needs: network, interval, lanes, seed and the receiver's death.
public struct SimulationRunSpec: Sendable, Equatable {
    /// The modelled network and agent settings.
    public var model: NetworkModel
    /// A recorded trace that replaces the model's probe delays, loss and stalls (nil → model).
    public var trace: HeartbeatTrace?
    /// heartbeat_interval, seconds.
    public var heartbeatInterval: Double
    /// Settings evaluated side by side.
    public var lanes: [LaneSpec]
    /// Nominal healthy duration, seconds (the death falls within it).
    public var duration: Double
    /// Seed of every random draw of the run.
    public var seed: UInt64
    /// When the receiver dies.
    public var death: DeathSchedule = .random
    /// Wall-clock time of configure (Fluentd floors it for the detector's initial `last`).
    public var startWall: Double = 1_700_000_000
    /// Record phi(t) of this lane index within `traceWindow` (seconds since start).
    public var traceLane: Int?
    /// Window for phi tracing.
    public var traceWindow: ClosedRange<Double> = 0...0

    public init(model: NetworkModel, trace: HeartbeatTrace? = nil, heartbeatInterval: Double, lanes: [LaneSpec],
                duration: Double, seed: UInt64, death: DeathSchedule = .random) {
        self.model = model
        self.trace = trace
        self.heartbeatInterval = heartbeatInterval
        self.lanes = lanes
        self.duration = duration
        self.seed = seed
        self.death = death
    }
}
