import ArgumentParser
import Foundation
import Scenarios

/// `fwdlab fault-check`: the simulated receiver faults against real receiver processes under real signals.
struct FaultCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault-check",
        abstract: "Check simulated receiver faults against real fwdlab receiver processes under SIGSTOP/SIGKILL.",
        discussion: """
            Runs each scenario twice at once with the same agent, seed and schedule: against simulated receivers and
            against real `fwdlab receiver` processes, where pause is SIGSTOP, resume SIGCONT, crash SIGKILL, restart a
            new process on the same port and refuse a port with no process. Prints one line per scenario: loss and
            duplicates on both (they must be equal) and how many agent decisions agree within their tolerance (one
            heartbeat tick for detector decisions). Exits 1 when a scenario diverges or cannot run; writes
            fault-check.json and both runs' reports to --out. Rules: docs/faults.md.
            """)

    @Argument(help: "Scenario files or directories of them.")
    var paths: [String]

    @Option(help: "The agent under test: in-process, process, fluentd, fluentd:VERSION or fluentd=PATH.")
    var agent: String = "in-process"

    @Option(help: "Directory for fault-check.json and both runs' reports.")
    var out: String = "reports/fault-check"

    @Option(help: "Override every scenario's seed.")
    var seed: UInt64?

    func run() async throws {
        var options = RunOptions()
        options.seed = seed
        do { options.agentMode = try RunOptions.AgentMode.parse(agent) } catch { throw ValidationError("--agent: \(error)") }
        options.outDirectory = (out as NSString).appendingPathComponent("runs")
        options.capture = false
        let files = paths.flatMap(SuiteRunner.scenarioFiles)
        for path in paths where SuiteRunner.scenarioFiles(path).isEmpty { throw ValidationError("no scenario file at \(path)") }
        let signals = RunCommand.installInterruptHandler()
        defer { signals.cancel() }
        let check = ReceiverFaultCheck(options: options)
        var results: [ReceiverFaultCheck.Result] = []
        for file in files {
            let r: ReceiverFaultCheck.Result
            do { r = await check.run(try ScenarioLoader.load(path: file)) } catch {
                r = ReceiverFaultCheck.Result(scenario: file, status: .error, reason: "\(error)")
            }
            for line in r.lines { print(line) }
            results.append(r)
        }
        let bad = results.filter { $0.status != .agree }.count
        print("\(results.count - bad) of \(results.count) scenarios agree")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(results).write(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent("fault-check.json")))
        if bad > 0 { throw ExitCode(1) }
    }
}
