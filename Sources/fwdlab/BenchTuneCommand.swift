import ArgumentParser
import Foundation
import Scenarios

/// `fwdlab bench tune`: the tuning engine's throughput on the standard grid, in simulated hours per second.
struct BenchTuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Tuning engine throughput: simulated hours per second.",
        discussion: "Standard grid: 10 thresholds × 10 intervals × 100 seeds × 1 simulated hour on the built-in network model. Build with -c release for real figures."
    )

    @Option(help: "Seeds per setting (standard: 100).")
    var seeds = 100

    @Option(help: "Simulated hours per run (standard: 1).")
    var hours = 1.0

    @Option(help: "Worker tasks (default: one per core).")
    var jobs: Int?

    @Option(help: "Network model YAML instead of the built-in one.")
    var network: String?

    @Flag(help: "Print the figures as JSON.")
    var json = false

    func run() async throws {
        var grid = TuningGrid.standardBenchmark
        grid.seeds = seeds
        grid.hours = hours
        var model = NetworkModel.standard
        do throws(TuningError) {
            if let problem = grid.validationErrors.first { throw TuningError(problem) }
            if let path = network { model = try NetworkModelLoader.load(path: path) }
        } catch {
            FileHandle.standardError.write(Data("fwdlab bench tune: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        let workers = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        let b = await TuningBenchmark.run(model: model, grid: grid, workers: workers)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            if let data = try? enc.encode(b), let s = String(data: data, encoding: .utf8) { print(s) }
            return
        }
        print("grid: \(grid.thresholds.count) thresholds × \(grid.intervals.count) intervals × \(grid.seeds) seeds × \(TuningFormat.trimmed(grid.hours, digits: 2)) h (\(b.runs) runs, \(b.lanesPerRun) settings per run), \(workers) workers")
        print("wall time: \(TuningFormat.trimmed(b.wallSeconds, digits: 2)) s")
        print("simulated: \(TuningFormat.trimmed(b.simulatedHours, digits: 1)) network hours = \(TuningFormat.trimmed(b.settingHours, digits: 0)) setting-hours")
        print("throughput: \(TuningFormat.trimmed(b.simulatedHoursPerSecond, digits: 1)) simulated-hours/s (\(TuningFormat.trimmed(b.settingHoursPerSecond, digits: 0)) setting-hours/s), \(TuningFormat.trimmed(Double(b.events) / max(b.wallSeconds, 1e-9) / 1e6, digits: 2)) M events/s")
        let standard = grid == TuningGrid.standardBenchmark
        if standard {
            print("target ≤ 60 s for the standard grid: \(b.wallSeconds <= 60 ? "met" : "NOT met")")
        }
    }
}
