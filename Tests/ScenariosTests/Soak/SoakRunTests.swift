import Foundation
import Testing

@testable import Scenarios

/// One real short soak through `SoakRunner` (the command's runner): the agent as a child process with a file buffer,
/// receiver faults, DNS changes, RPC and a kill -9; every event the input acked must reach a receiver.
@Suite(.serialized) struct SoakRunTests {
    @Test("a one-minute soak: acked loss 0, a kill and restart, samples of both incarnations, the report written", .timeLimit(.minutes(3)))
    func oneMinute() async throws {
        guard FileManager.default.isExecutableFile(atPath: ProcessModeTests.fwdlab) else {
            Issue.record("\(ProcessModeTests.fwdlab) is missing: run `swift build --build-tests` first")
            return
        }
        let out = NSTemporaryDirectory() + "fwdlab-soak-test-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var runner = try SoakRunner(minutes: 0.75, seed: 3, out: out)
        runner.executablePath = ProcessModeTests.fwdlab
        let started = Date()
        let report = await runner.run()
        #expect(Date().timeIntervalSince(started) < 75 + 10, "a 45 s plan with its drain")
        #expect(report.runErrors.isEmpty, "\(report.runErrors)")
        #expect(report.ledger.acked > 1000)
        #expect(report.ledger.unexplainedLost == 0, "\(report.text)")
        #expect(report.steps["kill"] == 1 && report.incarnations == 2, "\(report.text)")
        #expect(report.samples.allSatisfy { $0.rssKiB > 0 && $0.fds > 0 })
        #expect(report.growth != nil, "\(report.text)")
        let json = try Data(contentsOf: URL(fileURLWithPath: out + "/soak.json"))
        #expect(try JSONDecoder().decode(SoakReport.self, from: json) == report)
        #expect(try String(contentsOfFile: out + "/soak.txt", encoding: .utf8).contains("acked loss"))
    }

    @Test("bad arguments are errors with a reason, not crashes")
    func badArguments() throws {
        for minutes in [0, -1, .nan, .infinity, 100_000] as [Double] {
            #expect(throws: SoakError.self) { try SoakRunner(minutes: minutes, seed: 1, out: NSTemporaryDirectory()) }
        }
        let e = #expect(throws: SoakError.self) { try SoakRunner(minutes: 1, seed: 1, out: "/proc/fwdlab-soak") }
        #expect(e?.description.contains("--out") == true)
    }
}
