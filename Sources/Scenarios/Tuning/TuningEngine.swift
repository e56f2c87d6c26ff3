import Agent
import Foundation
import Synchronization

/// Runs a tuning grid: for every heartbeat interval and seed, one `VirtualNetworkSimulation` run whose lanes are
/// all (detector, threshold) pairs, spread over all cores; then aggregates and recommends.
public struct TuningEngine: Sendable {
    /// The network model (traffic and agent settings are used even with a trace).
    public var model: NetworkModel
    /// A recorded trace replacing the probe model, if any.
    public var trace: HeartbeatTrace?
    /// The sweep's axes.
    public var grid: TuningGrid

    public init(model: NetworkModel, trace: HeartbeatTrace? = nil, grid: TuningGrid) {
        self.model = model
        self.trace = trace
        self.grid = grid
    }

    /// Lanes of every run: detectors × thresholds, detector-major.
    public var lanes: [LaneSpec] {
        grid.detectors.flatMap { d in grid.thresholds.map { LaneSpec(detector: d, threshold: $0) } }
    }

    /// The spec of run (interval, seed) with the given lanes.
    public func runSpec(intervalIndex: Int, seedIndex: Int, lanes: [LaneSpec]? = nil) -> SimulationRunSpec {
        SimulationRunSpec(model: model, trace: trace, heartbeatInterval: grid.intervals[intervalIndex], lanes: lanes ?? self.lanes,
                          duration: grid.hours * 3600, seed: grid.baseSeed &+ UInt64(seedIndex))
    }

    /// Runs the whole grid on `workers` concurrent tasks; `progress(done, total)` is called after each run.
    public func run(workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) async -> TuningSweep {
        let started = Date()
        let all = grid.intervals.indices.flatMap { i in (0..<grid.seeds).map { (interval: i, seed: $0) } }
        let results = await run(units: all, workers: workers, progress: progress)
        var outcomes = [[RunOutcome]](repeating: [], count: grid.intervals.count)
        for (u, o) in zip(all, results) { outcomes[u.interval].append(o) }
        return TuningSweep.aggregate(model: model, traceSource: trace?.source, grid: grid, outcomes: outcomes,
                                     wallSeconds: Date().timeIntervalSince(started))
    }

    /// Runs these (interval index, seed index) units on `workers` concurrent tasks and returns their outcomes in the
    /// given order. Each outcome depends only on its unit, so any split of the units (a shard, docs/sharding.md)
    /// gives the same outcomes as the whole grid.
    public func run(units: [(interval: Int, seed: Int)], workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) async -> [RunOutcome] {
        let total = units.count
        guard total > 0 else { return [] }
        // Short intervals cost most: hand them out first so the workers finish together.
        let jobs = units.indices.sorted { (grid.intervals[units[$0].interval], $0) < (grid.intervals[units[$1].interval], $1) }
        let dispenser = JobDispenser()
        let lanes = self.lanes
        let engine = self
        let workerCount = max(1, min(workers, total))
        var outcomes = [RunOutcome?](repeating: nil, count: total)
        await withTaskGroup(of: [(Int, RunOutcome)].self) { group in
            for _ in 0..<workerCount {
                group.addTask {
                    var sim = VirtualNetworkSimulation()
                    var done: [(Int, RunOutcome)] = []
                    while true {
                        let j = dispenser.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard j < jobs.count else { break }
                        let u = units[jobs[j]]
                        done.append((jobs[j], sim.run(engine.runSpec(intervalIndex: u.interval, seedIndex: u.seed, lanes: lanes))))
                        let finished = dispenser.finished.wrappingAdd(1, ordering: .relaxed).newValue
                        progress?(finished, total)
                    }
                    return done
                }
            }
            for await part in group {
                for (k, o) in part { outcomes[k] = o }
            }
        }
        return outcomes.map { $0! }
    }

    /// phi(t) of one lane of one run within `window` (seconds since start), re-simulated deterministically.
    /// Lanes never influence the network, so this equals what the sweep saw for that lane.
    public func phiTrace(detector: DetectorChoice, intervalIndex: Int, threshold: Double, seedIndex: Int,
                         window: ClosedRange<Double>) -> (samples: [PhiSample], outcome: RunOutcome) {
        var spec = runSpec(intervalIndex: intervalIndex, seedIndex: seedIndex,
                           lanes: [LaneSpec(detector: detector, threshold: threshold)])
        spec.traceLane = 0
        spec.traceWindow = window
        var sim = VirtualNetworkSimulation()
        let out = sim.run(spec)
        return (out.phiTrace, out)
    }
}

/// Shared counters of a sweep's workers (lock-free).
private final class JobDispenser: Sendable {
    let next = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
}
