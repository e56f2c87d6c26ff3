import ArgumentParser
import Foundation
import Scenarios

/// `fwdlab soak`: a long seeded fault schedule against the agent as a child process; acked loss, duplicates, memory
/// and descriptor growth and stuck states decide (docs/soak.md).
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Fault soak: every receiver fault, DNS changes, RPC flushes and reloads and kill -9 of the agent, for N minutes.",
        discussion: """
            Generates a seeded scenario (three simulated receivers, the agent as a `fwdlab agent` child with a file
            buffer and acks, load through its forward input) and runs it; samples the agent's RSS and open fds.
            Prints the seed and a summary, writes soak.json, soak.txt and the scenario's report to --out. Exits 1
            on acked loss, growth after warm-up above 5 %, or a stuck state. docs/soak.md.
            """)

    @Option(help: "How long the fault schedule and its load run, minutes (0.5-1440).")
    var minutes: Double

    @Option(help: "Seed of the schedule and of every fault's random stream (default: random, printed).")
    var seed: UInt64?

    @Option(help: "Directory for soak.json, soak.txt and the scenario report (default reports/soak-<UTC time>).")
    var out: String?

    func run() async throws {
        let seed = self.seed ?? UInt64.random(in: 1 ... 999_999)
        let runner: SoakRunner
        do {
            runner = try SoakRunner(minutes: minutes, seed: seed, out: out ?? Self.defaultOut())
        } catch let e as SoakError {
            throw ValidationError(e.description)
        }
        print("fwdlab soak: seed \(seed), \(minutes) min, out \(runner.outDirectory)")
        let plan = runner.plan
        print("plan: \(plan.steps.count) steps, \(plan.faultKinds.count) fault kinds, \(plan.count(.kill)) kills,"
              + " \(plan.count(.dns)) DNS changes, \(plan.count(.flush)) flushes, \(plan.count(.reload)) reloads")
        var r = runner
        r.progress = isatty(STDERR_FILENO) != 0
        let report = await r.run()
        print(report.text)
        if !report.passed { throw ExitCode(1) }
    }

    static func defaultOut() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "reports/soak-\(f.string(from: Date()))"
    }
}
