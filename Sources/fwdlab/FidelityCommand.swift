import ArgumentParser
import Foundation
import Scenarios

/// `fwdlab fidelity`: every scenario on the Swift agent and on real Fluentd, decisions aligned and judged.
struct FidelityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fidelity",
        abstract: "Run scenarios on the agent and on real Fluentd and compare their decisions.",
        discussion: """
            Runs each scenario twice with the same seed, receivers and fault schedule: on the Swift agent (--agent) and
            on real Fluentd (--against). Aligns the decisions (detach, disable, recover, standby, ack timeout, no nodes
            available, retries, secondary, reload) per node and judges each against its tolerance: one heartbeat tick
            for detector decisions, one ack-check period for ack decisions, one flush-thread wake-up for retries.
            Prints one line per scenario and every decision outside tolerance; writes fidelity.json, fidelity.html and
            junit.xml to --out. Exits 1 when a decision diverges that the scenario does not record as a known
            divergence (`fidelity:` in the scenario), or when a run fails. Rules: docs/fidelity.md.
            """)

    @Argument(help: "Scenario files or directories of them (default: fixtures/scenarios).")
    var paths: [String] = ["fixtures/scenarios"]

    @Option(help: "The real Fluentd to compare with: fluentd, fluentd:VERSION or fluentd=PATH.")
    var against: String = "fluentd:1.16.9"

    @Option(help: "The Swift agent's mode: in-process or process.")
    var agent: String = "in-process"

    @Option(help: "Directory for fidelity.json, fidelity.html, junit.xml and both runs' reports.")
    var out: String = "reports/fidelity"

    @Option(help: "Override every scenario's seed.")
    var seed: UInt64?

    @Option(name: .customLong("set"), help: "Override an agent parameter on both sides, e.g. --set phi_threshold=2 (repeatable).")
    var overrides: [String] = []

    func run() async throws {
        let mode: RunOptions.AgentMode
        let fluentd: FluentdInstallation
        do {
            mode = try RunOptions.AgentMode.parse(agent)
            guard mode.isSwiftAgent else { throw ValidationError("--agent is the Swift agent's mode: in-process or process") }
            guard case let .fluentd(f) = try RunOptions.AgentMode.parse(against) else {
                throw ValidationError("--against must name real Fluentd: fluentd, fluentd:VERSION or fluentd=PATH")
            }
            fluentd = f
            try fluentd.verify()
        } catch let e as ValidationError {
            throw e
        } catch {
            throw ValidationError("\(error)")
        }
        for path in paths where SuiteRunner.scenarioFiles(path).isEmpty { throw ValidationError("no scenario file at \(path)") }
        var options = RunOptions()
        options.seed = seed
        options.outDirectory = (out as NSString).appendingPathComponent("runs")
        options.capture = false
        options.overrides = try RunCommand.parseOverrides(overrides)
        let signals = RunCommand.installInterruptHandler()
        defer { signals.cancel() }
        let report = await FidelityRunner(agent: mode, fluentd: fluentd, options: options).run(paths: paths)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try report.json().write(toFile: (out as NSString).appendingPathComponent("fidelity.json"), atomically: true, encoding: .utf8)
        try report.junit().write(toFile: (out as NSString).appendingPathComponent("junit.xml"), atomically: true, encoding: .utf8)
        try report.html().write(toFile: (out as NSString).appendingPathComponent("fidelity.html"), atomically: true, encoding: .utf8)
        FileHandle.standardError.write(Data("report: \(out)/fidelity.html\n".utf8))
        if report.failed { throw ExitCode(1) }
    }
}
