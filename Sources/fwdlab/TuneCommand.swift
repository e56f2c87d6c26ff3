import ArgumentParser
import Foundation
import Scenarios
import Simulator

/// `fwdlab tune`: sweep phi_threshold × heartbeat_interval in virtual time and recommend a setting.
struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Sweep phi_threshold and heartbeat_interval in virtual time.",
        discussion: """
        For every heartbeat interval and seed, simulates the agent's real failure detector against a modelled \
        network (or a replayed heartbeat trace) for --hours, then kills the receiver at a random time. Prints p95 \
        detection latency and false detaches per day per setting (the Pareto frontier marked), and a recommendation \
        for the objective with its detection latency (p50/p95/p99), false detaches per day, flaps and bytes at risk. \
        Writes tune.json, tune.csv and report.html, which also have each setting's recovery time after a false detach.
        Network model format: fixtures/networks/default.yaml. Trace format: one arrival time (s) per line, or a JSON array.
        --shard K/N runs only that shard's runs and writes shard-K-of-N.json instead; `fwdlab report merge` turns the N \
        shards into the same tune.json, tune.csv and report.html (docs/sharding.md).
        """
    )

    @Option(help: "Heartbeat intervals, comma-separated seconds (units allowed: 500ms).")
    var intervals = "0.5,1,2,5"

    @Option(help: "phi_threshold values: FROM..TO[:STEP] or a comma list.")
    var thresholds = "8..32"

    @Option(help: "Seeds (runs) per setting.")
    var seeds = 100

    @Option(help: "Network model YAML (default: the built-in model = fixtures/networks/default.yaml).")
    var network: String?

    @Option(help: "Heartbeat arrival trace to replay instead of the model's delays, loss and stalls.")
    var trace: String?

    @Option(name: .customLong("detect-within"), help: "Target p95 detection latency, e.g. 10s.")
    var detectWithin: String?

    @Option(name: .customLong("max-false-per-day"), help: "Allowed false detaches per day (default 1 when no target is given).")
    var maxFalsePerDay: Double?

    @Option(help: "Simulated healthy hours per run.")
    var hours = 1.0

    @Option(help: "Detector: fluentd, exponential, normal or all.")
    var detector = "fluentd"

    @Option(help: "Output directory (default reports/tune-<time>/).")
    var out: String?

    @Option(help: "First seed.")
    var seed: UInt64 = 0

    @Option(help: "Worker tasks (default: one per core).")
    var jobs: Int?

    @Option(help: "Run only shard K of N (1-based, e.g. 2/4) of the sweep's (interval, seed) runs and write shard-K-of-N.json to --out; merge the N shards with `fwdlab report merge` (docs/sharding.md).")
    var shard: String?

    func run() async throws {
        let stderr = FileHandle.standardError
        func fail(_ message: String) -> ExitCode {
            stderr.write(Data("fwdlab tune: \(message)\n".utf8))
            return ExitCode(2)
        }
        let grid: TuningGrid
        let model: NetworkModel
        let replay: HeartbeatTrace?
        let objective: TuningObjective
        do {
            (grid, model, replay, objective) = try prepare()
        } catch {
            throw fail(error.description)
        }
        var shardSpec: ShardSpec?
        if let shard {
            do { shardSpec = try ShardSpec.parse(shard) } catch { throw fail(error.description) }
        }

        let showProgress = isatty(2) != 0
        let engine = TuningEngine(model: model, trace: replay, grid: grid)
        let total = grid.runCount
        let step = max(1, total / 200)
        let progress: @Sendable (Int, Int) -> Void = { done, total in
            guard showProgress, done % step == 0 || done == total else { return }
            let width = 40
            let filled = done * width / max(total, 1)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) runs".utf8))
        }
        let workers = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        let directory = out ?? "reports/tune-" + Self.timestamp()
        if let shardSpec {
            let data = TuneShardData(grid: grid, objective: objective, networkPath: network, networkText: network.flatMap(Self.text),
                                     tracePath: trace, traceText: trace.flatMap(Self.text), runs: [])
            let file = await TuneSharding.runShard(engine: engine, shard: shardSpec, data: data, workers: workers, progress: progress)
            if showProgress { stderr.write(Data("\r\u{1B}[K".utf8)) }
            let path: String
            do { path = try file.write(to: directory) } catch { throw fail("\(error)") }
            print("shard \(shardSpec): \(file.tune?.runs.count ?? 0) of \(total) runs in \(TuningFormat.trimmed(file.manifest.wallSeconds, digits: 2)) s")
            print("wrote \(path)")
            print("merge all \(shardSpec.count) shards with: fwdlab report merge DIR... --out DIR")
            return
        }
        let sweep = await engine.run(workers: workers, progress: progress)
        if showProgress { stderr.write(Data("\r\u{1B}[K".utf8)) }

        let doc = TuningReportDocument.build(engine: engine, sweep: sweep, objective: objective)
        do {
            try Self.report(doc: doc, sweep: sweep, model: model, trace: replay, directory: directory)
        } catch {
            throw fail(error.description)
        }
    }

    /// Writes the report and prints the summary (`fwdlab tune`, and `fwdlab report merge` of tune shards).
    static func report(doc: TuningReportDocument, sweep: TuningSweep, model: NetworkModel, trace replay: HeartbeatTrace?,
                       directory: String) throws(TuningError) {
        let paths = try doc.write(to: directory)
        print("Network: \(model.name)" + (replay.map { " (trace \($0.source), h₀ \(TuningFormat.seconds($0.interval)), \(TuningFormat.trimmed($0.lossRate * 100, digits: 2))% slots lost)" } ?? ""))
        for line in model.summaryLines { print("  " + line) }
        print(doc.terminalTable())
        print("\(sweep.runs) runs, \(TuningFormat.trimmed(sweep.simulatedSeconds / 3600, digits: 1)) simulated hours in \(TuningFormat.trimmed(sweep.wallSeconds, digits: 2)) s")
        for p in paths { print("wrote \(p)") }
    }

    /// A file's text (the shard records the network model's and the trace's, so a merge can rebuild them).
    static func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    /// Parses the options into a grid, model, trace and objective.
    private func prepare() throws(TuningError) -> (TuningGrid, NetworkModel, HeartbeatTrace?, TuningObjective) {
        var grid = TuningGrid()
        grid.intervals = try TuningGrid.parseList(intervals, what: "intervals")
        grid.thresholds = try TuningGrid.parseThresholds(thresholds)
        grid.seeds = seeds
        grid.hours = hours
        grid.baseSeed = seed
        if detector.lowercased() == "all" {
            grid.detectors = DetectorChoice.allCases
        } else if let d = DetectorChoice(rawValue: detector.lowercased()) {
            grid.detectors = [d]
        } else {
            throw TuningError("--detector must be fluentd, exponential, normal or all (got '\(detector)')")
        }
        if let problem = grid.validationErrors.first { throw TuningError(problem) }
        var model = NetworkModel.standard
        if let path = network { model = try NetworkModelLoader.load(path: path) }
        var replay: HeartbeatTrace?
        if let path = trace { replay = try HeartbeatTrace.load(path: path) }
        var objective = TuningObjective()
        if let d = detectWithin {
            guard let v = DurationText.seconds(d), v > 0 else { throw TuningError("--detect-within: \(DurationText.problem(d))") }
            objective.detectWithin = v
        }
        if let f = maxFalsePerDay {
            guard f >= 0, f.isFinite else { throw TuningError("--max-false-per-day must be ≥ 0") }
            objective.maxFalsePerDay = f
        }
        return (grid, model, replay, objective)
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: Date())
    }
}
