import ArgumentParser
import Foundation
import Scenarios

/// `fwdlab replay`: re-run a recorded run with its scenario and seed.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-run a recorded scenario run.",
        discussion: """
            Reads reports/RUN/scenario.yaml and the seed and overrides from reports/RUN/summary.json, runs it again
            and writes a new report next to it (or under --out). Exits 1 when the replay fails.
            """)

    @Argument(help: "A run directory written by 'fwdlab run' (reports/<scenario>-<time>).")
    var run: String

    @Option(help: "Directory for the new report (default: the recorded run's parent).")
    var out: String?

    @Flag(name: .customLong("no-capture"), help: "Do not take a packet capture even when root.")
    var noCapture = false

    func run() async throws {
        let scenarioPath = (run as NSString).appendingPathComponent("scenario.yaml")
        let summaryPath = (run as NSString).appendingPathComponent("summary.json")
        guard let data = FileManager.default.contents(atPath: summaryPath),
              let summary = try? JSONDecoder().decode(ReportSummary.self, from: data) else {
            throw ValidationError("\(summaryPath) is missing or unreadable: not a run directory")
        }
        let scenario: Scenario
        do {
            var s = try ScenarioLoader.load(path: scenarioPath)
            s.sourcePath = summary.path
            scenario = s
        } catch {
            throw ValidationError("\(error)")
        }
        var options = RunOptions()
        options.seed = summary.seed
        options.overrides = summary.overrides
        options.capture = !noCapture
        options.outDirectory = out ?? (run as NSString).deletingLastPathComponent
        options.progress = isatty(STDERR_FILENO) == 1
        let signals = RunCommand.installInterruptHandler()
        defer { signals.cancel() }
        let result = await ScenarioRunner(options: options).run(scenario)
        print(result.line)
        print(result.verdict == .failed ? "0 passed, 1 failed" : "\(result.verdict == .passed ? 1 : 0) passed, 0 failed")
        if let dir = result.reportDirectory { FileHandle.standardError.write(Data("report: \(dir)/report.html\n".utf8)) }
        if result.verdict == .failed { throw ExitCode(1) }
    }
}
