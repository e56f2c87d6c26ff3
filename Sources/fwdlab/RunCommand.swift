import Agent
import ArgumentParser
import Capture
import Foundation
import Scenarios

/// `fwdlab run`: run failure scenarios against the agent and report verdicts.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run failure scenarios against the agent.",
        discussion: """
            Runs one scenario file or every *.yaml in a directory (two at a time), prints one line per scenario and
            a closing "N passed, N failed" line, writes reports to --out/<scenario>-<time>/ (summary.json,
            timeline.jsonl, junit.xml, agent.log, report.html, capture.pcap when root) and exits 1 when any
            scenario fails. Schema: docs/scenarios.md. Ctrl-C stops every receiver, agent and capture it started.
            --shard K/N runs every N-th file of the sorted list (from the K-th) and writes shard-K-of-N.json to --out;
            `fwdlab report merge` turns the N shards into the suite's listing, suite.json and JUnit file (docs/sharding.md).
            """)

    @Argument(help: "A scenario file (YAML) or a directory of them.")
    var path: String

    @Option(help: "Override every scenario's seed.")
    var seed: UInt64?

    @Option(help: "The agent under test: in-process, process, fluentd, fluentd:VERSION or fluentd=PATH (real Fluentd).")
    var agent: String = "in-process"

    @Option(help: "What plays the receivers: simulated (in-process, every fault) or process (real fwdlab receiver processes under SIGSTOP/SIGKILL; pause, crash, refuse only).")
    var receivers: String = "simulated"

    @Option(help: "Also write one combined JUnit XML file here.")
    var junit: String?

    @Option(help: "Also write the suite's verdict counts and every scenario's result here (suite.json's format, docs/sharding.md).")
    var summary: String?

    @Option(help: "Run only shard K of N (1-based, e.g. 2/4) of the sorted scenario files and write shard-K-of-N.json to --out; merge the N shards with `fwdlab report merge` (docs/sharding.md).")
    var shard: String?

    @Option(help: "Directory for the run reports.")
    var out: String = "reports"

    @Option(name: .customLong("set"), help: "Override an agent parameter, e.g. --set phi_threshold=0 (repeatable).")
    var overrides: [String] = []

    @Flag(help: "Fail a scenario whose expectation was skipped (SKIP) unless the scenario declares why it may be (may_skip:, requires:, status: pending).")
    var strict = false

    @Flag(help: "The mutation check: run each scenario as it is, then once per mutant with the agent broken that way; print the kill matrix (docs/scenarios.md). Exits 1 unless every scenario kills a mutant and every mutant is killed.")
    var mutants = false

    @Option(name: .customLong("mutant"), help: "With --mutants: only these mutants (repeatable; default all: \(AgentMutant.allCases.map(\.rawValue).joined(separator: ", "))).")
    var mutantNames: [String] = []

    @Flag(name: .customLong("no-capture"), help: "Do not take a packet capture even when root.")
    var noCapture = false

    @Option(name: .customLong("time-scale"), help: "Run every scenario at this time scale (0.05-10; overrides the scenario's time_scale; in-process and process agents; real Fluentd runs at 1).")
    var timeScale: Double?

    func run() async throws {
        var options = RunOptions()
        options.seed = seed
        do {
            options.agentMode = try RunOptions.AgentMode.parse(agent)
        } catch {
            throw ValidationError("--agent: \(error)")
        }
        guard let mode = RunOptions.ReceiverMode(rawValue: receivers) else {
            throw ValidationError("--receivers: '\(receivers)' is neither simulated nor process")
        }
        options.receiverMode = mode
        options.outDirectory = out
        options.capture = !noCapture
        options.strict = strict
        if options.capture, !LiveCapture.isPermitted {
            FileHandle.standardError.write(Data("note: not root, so no packet capture is taken; wire expectations are reported as SKIP\n".utf8))
        }
        // Process mode starts this very binary (/proc/self/exe) as `fwdlab agent`.
        options.executablePath = nil
        if let timeScale {
            guard (0.05 ... 10).contains(timeScale) else { throw ValidationError("--time-scale must be between 0.05 and 10") }
            options.timeScale = timeScale
        }
        options.overrides = try Self.parseOverrides(overrides)
        let files = SuiteRunner.scenarioFiles(path)
        guard !files.isEmpty else { throw ValidationError("no scenario file at \(path)") }
        var shardSpec: ShardSpec?
        if let shard {
            do { shardSpec = try ShardSpec.parse(shard) } catch { throw ValidationError(error.message) }
            guard !mutants else { throw ValidationError("--shard cannot be combined with --mutants") }
        }
        let mine = shardSpec.map { RunSharding.select(files, shard: $0) } ?? files
        options.progress = mine.count == 1 && isatty(STDERR_FILENO) == 1
        let signals = Self.installInterruptHandler()
        defer { signals.cancel() }
        if mutants {
            try await runMutants(options: options, files: files)
            return
        }
        guard mutantNames.isEmpty else { throw ValidationError("--mutant needs --mutants") }
        let started = Date()
        let results: [ScenarioResult]
        if let shardSpec {
            print("shard \(shardSpec): \(mine.count) of \(files.count) scenarios")
            let suite = SuiteRunner(options: options)
            results = mine.isEmpty ? [] : await suite.run(files: mine)
            if mine.isEmpty { SuiteRunner.closingLines([]).forEach { print($0) } }
            let manifest = ShardManifest(command: "run", shard: shardSpec,
                                         inputs: RunSharding.inputs(path: path, files: files, options: options, root: getuid() == 0),
                                         unitCount: files.count, startedAt: started, wallSeconds: Date().timeIntervalSince(started))
            let written = try ShardFile(manifest: manifest, scenarios: results.map(SuiteSummary.Entry.init)).write(to: out)
            print("wrote \(written)")
        } else {
            results = await SuiteRunner(options: options).run(path: path)
        }
        if let junit {
            try JUnitWriter.render(results).write(toFile: junit, atomically: true, encoding: .utf8)
        }
        if let summary {
            try SuiteSummary(results).json().write(to: URL(fileURLWithPath: summary))
        }
        if mine.count == 1, let dir = results.first?.reportDirectory {
            FileHandle.standardError.write(Data("report: \(dir)/report.html\n".utf8))
        }
        if results.contains(where: { $0.verdict == .failed }) { throw ExitCode(1) }
    }

    /// `--mutants`: the kill matrix to stdout, mutants.json and mutants.md to --out.
    private func runMutants(options: RunOptions, files: [String]) async throws {
        if let why = MutationCheck.unsupported(options) { throw ValidationError(why) }
        var chosen: [AgentMutant] = []
        for name in mutantNames {
            guard let m = AgentMutant(rawValue: name) else {
                throw ValidationError("--mutant: no mutant '\(name)' (known: \(AgentMutant.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            chosen.append(m)
        }
        var o = options
        o.progress = false
        let check = MutationCheck(options: o, mutants: chosen.isEmpty ? AgentMutant.allCases : chosen)
        let report = await check.run(files: files) { print($0) }
        print("")
        print(report.markdown)
        print("")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent("mutants.json")))
        try report.markdown.write(toFile: (out as NSString).appendingPathComponent("mutants.md"), atomically: true, encoding: .utf8)
        for s in report.unjudged { print("not judged (reference did not pass): \(s)") }
        for s in report.scenariosKillingNone { print("kills no mutant: \(s)") }
        for m in report.survivingMutants { print("killed by no scenario: \(m.rawValue) (\(m.summary))") }
        let judged = report.rows.count - report.unjudged.count
        print("\(judged) scenarios judged, \(report.mutants.count - report.survivingMutants.count) of \(report.mutants.count) mutants killed"
              + (report.holds ? "; every scenario kills a mutant and every mutant is killed" : ""))
        if !report.holds { throw ExitCode(1) }
    }

    /// `--set key=value` options as agent parameter overrides (shared by `run` and `fidelity`).
    static func parseOverrides(_ items: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for o in items {
            let parts = o.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--set expects key=value (got '\(o)')") }
            out[parts[0]] = parts[1]
        }
        return out
    }

    /// SIGINT: tear down every run in progress (receivers, agents, capture, nftables), then exit 130.
    static func installInterruptHandler() -> any DispatchSourceSignal {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            FileHandle.standardError.write(Data("\ninterrupted: tearing down…\n".utf8))
            Task {
                await CleanupRegistry.shared.runAll()
                Foundation.exit(130)
            }
        }
        source.resume()
        return source
    }
}
