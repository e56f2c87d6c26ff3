import Foundation

/// The engine's throughput on the standard grid (10 thresholds × 10 intervals × 100 seeds × 1 simulated hour).
public struct TuningBenchmark: Sendable, Codable {
    /// Runs executed.
    public var runs: Int
    /// Lanes per run (thresholds × detectors).
    public var lanesPerRun: Int
    /// Simulated hours (receiver time) over all runs.
    public var simulatedHours: Double
    /// Simulated hours × lanes: hours of one detector setting.
    public var settingHours: Double
    /// Wall-clock seconds.
    public var wallSeconds: Double
    /// Events processed.
    public var events: Int
    /// Worker tasks used.
    public var workers: Int

    /// Simulated (network) hours per second.
    public var simulatedHoursPerSecond: Double { wallSeconds > 0 ? simulatedHours / wallSeconds : 0 }
    /// Setting-hours per second (each run evaluates every threshold).
    public var settingHoursPerSecond: Double { wallSeconds > 0 ? settingHours / wallSeconds : 0 }

    /// Runs `grid` (default: the standard benchmark grid) against `model` and measures it; each run is healthy for
    /// the grid's full `hours`, then the receiver dies and the run ends at the detection.
    public static func run(model: NetworkModel = .standard, grid: TuningGrid = .standardBenchmark,
                           workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) async -> TuningBenchmark {
        // The death falls at the end of each run's hour, so every run simulates the full hour (plus detection).
        var m = model
        m.deathWindow = 1...1
        let engine = TuningEngine(model: m, grid: grid)
        let sweep = await engine.run(workers: workers, progress: progress)
        let lanes = grid.thresholds.count * grid.detectors.count
        return TuningBenchmark(runs: sweep.runs, lanesPerRun: lanes, simulatedHours: sweep.simulatedSeconds / 3600,
                               settingHours: sweep.simulatedSeconds / 3600 * Double(lanes), wallSeconds: sweep.wallSeconds,
                               events: sweep.events, workers: workers)
    }
}
