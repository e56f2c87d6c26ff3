import Foundation

/// A tuning shard's part of `shard-K-of-N.json`: the inputs a merge needs to rebuild the engine (the grid, the
/// objective, the network model's and the trace's texts) and the raw outcome of every run the shard owns.
public struct TuneShardData: Sendable, Codable {
    public var grid: TuningGrid
    public var objective: TuningObjective
    /// `--network` as given and its text (nil: the built-in model).
    public var networkPath: String?
    public var networkText: String?
    /// `--trace` as given and its text (nil: no trace).
    public var tracePath: String?
    public var traceText: String?
    /// This shard's runs, in unit order.
    public var runs: [TuneShardRun]

    public init(grid: TuningGrid, objective: TuningObjective, networkPath: String? = nil, networkText: String? = nil,
                tracePath: String? = nil, traceText: String? = nil, runs: [TuneShardRun] = []) {
        self.grid = grid
        self.objective = objective
        self.networkPath = networkPath
        self.networkText = networkText
        self.tracePath = tracePath
        self.traceText = traceText
        self.runs = runs
    }
}

/// One (interval, seed) run of a sweep, every field of its `RunOutcome` (JSON numbers round-trip exactly).
public struct TuneShardRun: Sendable, Codable, Equatable {
    /// The lane outcomes of the run, one per (detector, threshold), detector-major.
    public struct Lane: Sendable, Codable, Equatable {
        var healthySeconds: Double
        var falseDetaches: Int
        var falseDetachesByHardTimeout: Int
        var flaps: Int
        var recoverySecondsTotal: Double
        var recoverySecondsMax: Double
        var unavailableSeconds: Double
        var firstFalseDetach: Double?
        var detectionLatency: Double?
        var detectionCause: DetachCause?
        var detectionPhi: Double?
        var unavailableAtDeath: Bool
        var undetected: Bool
    }

    /// Position in the grid: `grid.intervals[intervalIndex]`, seed `baseSeed + seedIndex`.
    public var intervalIndex: Int
    public var seedIndex: Int
    var seed: UInt64
    var heartbeatInterval: Double
    var deathTime: Double?
    var lastHeartbeatBeforeDeath: Double?
    var lastArrivalBeforeDeath: Double?
    var simulatedSeconds: Double
    var events: Int
    var probesSent: Int
    var probesAnswered: Int
    var stalls: Int
    var lanes: [Lane]

    public init(intervalIndex: Int, seedIndex: Int, _ o: RunOutcome) {
        self.intervalIndex = intervalIndex
        self.seedIndex = seedIndex
        seed = o.seed
        heartbeatInterval = o.heartbeatInterval
        deathTime = o.deathTime
        lastHeartbeatBeforeDeath = o.lastHeartbeatBeforeDeath
        lastArrivalBeforeDeath = o.lastArrivalBeforeDeath
        simulatedSeconds = o.simulatedSeconds
        events = o.events
        probesSent = o.probesSent
        probesAnswered = o.probesAnswered
        stalls = o.stalls
        lanes = o.lanes.map {
            Lane(healthySeconds: $0.healthySeconds, falseDetaches: $0.falseDetaches, falseDetachesByHardTimeout: $0.falseDetachesByHardTimeout,
                 flaps: $0.flaps, recoverySecondsTotal: $0.recoverySecondsTotal, recoverySecondsMax: $0.recoverySecondsMax,
                 unavailableSeconds: $0.unavailableSeconds, firstFalseDetach: $0.firstFalseDetach, detectionLatency: $0.detectionLatency,
                 detectionCause: $0.detectionCause, detectionPhi: $0.detectionPhi, unavailableAtDeath: $0.unavailableAtDeath,
                 undetected: $0.undetected)
        }
    }

    /// The outcome again (phi traces are never part of a sweep's runs).
    public var outcome: RunOutcome {
        RunOutcome(seed: seed, heartbeatInterval: heartbeatInterval, deathTime: deathTime, lastHeartbeatBeforeDeath: lastHeartbeatBeforeDeath,
                   lastArrivalBeforeDeath: lastArrivalBeforeDeath, simulatedSeconds: simulatedSeconds, events: events,
                   probesSent: probesSent, probesAnswered: probesAnswered, stalls: stalls,
                   lanes: lanes.map { l in
                       var o = LaneOutcome()
                       o.healthySeconds = l.healthySeconds
                       o.falseDetaches = l.falseDetaches
                       o.falseDetachesByHardTimeout = l.falseDetachesByHardTimeout
                       o.flaps = l.flaps
                       o.recoverySecondsTotal = l.recoverySecondsTotal
                       o.recoverySecondsMax = l.recoverySecondsMax
                       o.unavailableSeconds = l.unavailableSeconds
                       o.firstFalseDetach = l.firstFalseDetach
                       o.detectionLatency = l.detectionLatency
                       o.detectionCause = l.detectionCause
                       o.detectionPhi = l.detectionPhi
                       o.unavailableAtDeath = l.unavailableAtDeath
                       o.undetected = l.undetected
                       return o
                   },
                   phiTrace: [])
    }
}

/// How `fwdlab tune` is sharded: the units are the sweep's (interval, seed) runs, interval-major in grid order
/// (unit `u` = interval `u / seeds`, seed `u mod seeds`); thresholds and detectors are lanes of one run, so they
/// stay together (splitting them would simulate the same network realisation once per shard).
public enum TuneSharding {
    /// Units of the whole sweep.
    public static func unitCount(_ grid: TuningGrid) -> Int { grid.runCount }

    /// Unit `u` as (interval index, seed index).
    public static func unit(_ u: Int, _ grid: TuningGrid) -> (interval: Int, seed: Int) { (u / grid.seeds, u % grid.seeds) }

    /// The manifest's inputs: the grid, the objective, and the network model and trace by path and content.
    public static func inputs(_ d: TuneShardData) -> [String: String] {
        func list(_ xs: [Double]) -> String { xs.map { "\($0)" }.joined(separator: ",") }
        let o = d.objective
        return [
            "intervals": list(d.grid.intervals),
            "thresholds": list(d.grid.thresholds),
            "detectors": d.grid.detectors.map(\.rawValue).joined(separator: ","),
            "seeds": "\(d.grid.seeds)",
            "seed": "\(d.grid.baseSeed)",
            "hours": "\(d.grid.hours)",
            "detect_within": o.detectWithin.map { "\($0)" } ?? "none",
            "max_false_per_day": o.maxFalsePerDay.map { "\($0)" } ?? "none",
            "latency_quantile": "\(o.latencyQuantile)",
            "network": d.networkPath.map { "\($0) (\(ShardManifest.fileIdentity(d.networkText ?? "")))" } ?? "built-in",
            "trace": d.tracePath.map { "\($0) (\(ShardManifest.fileIdentity(d.traceText ?? "")))" } ?? "none",
        ]
    }

    /// Runs this shard's units of `engine`'s grid and returns its shard file (`data` names the inputs).
    public static func runShard(engine: TuningEngine, shard: ShardSpec, data: TuneShardData, workers: Int,
                                progress: (@Sendable (Int, Int) -> Void)? = nil) async -> ShardFile {
        let started = Date()
        let units = shard.units(of: unitCount(engine.grid)).map { unit($0, engine.grid) }
        let outcomes = await engine.run(units: units, workers: workers, progress: progress)
        var d = data
        d.runs = zip(units, outcomes).map { TuneShardRun(intervalIndex: $0.0.interval, seedIndex: $0.0.seed, $0.1) }
        let manifest = ShardManifest(command: "tune", shard: shard, inputs: inputs(d), unitCount: unitCount(engine.grid),
                                     startedAt: started, wallSeconds: Date().timeIntervalSince(started))
        return ShardFile(manifest: manifest, tune: d)
    }

    /// Rebuilds the network model and trace from the shard's texts, parsed as the original files were.
    public static func rebuild(_ d: TuneShardData) throws(TuningError) -> (NetworkModel, HeartbeatTrace?) {
        var model = NetworkModel.standard
        if let p = d.networkPath { model = try NetworkModelLoader.parse(d.networkText ?? "", file: p) }
        var trace: HeartbeatTrace?
        if let p = d.tracePath { trace = try HeartbeatTrace.parse(d.traceText ?? "", source: p) }
        return (model, trace)
    }
}
