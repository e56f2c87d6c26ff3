import Agent
import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import Scenarios

/// The mutation check on the short failover scenario: the phi detector switched off is noticed (the detach comes
/// from hard_timeout, 5 s, outside the 3 s window and with the wrong cause); standby servers used as regular ones
/// are not (nothing in it asserts that r3 carries nothing before the crash), and equal weights change nothing.
@Suite(.serialized) struct MutationCheckTests {
    @Test(.timeLimit(.minutes(2))) func killsSurvivorsAndEquivalentsAreTold() async throws {
        let dir = ScenarioRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/failover.yaml"
        try ScenarioTestSupport.failover(name: "t-mutants").write(toFile: file, atomically: true, encoding: .utf8)
        var o = ScenarioRunnerTests.options()
        o.concurrency = 2
        let check = MutationCheck(options: o, mutants: [.phiDetectorOff, .standbyIgnored, .weightsIgnored])
        let lines = NIOLockedValueBox<[String]>([])
        let report = await check.run(files: [file]) { l in lines.withLockedValue { $0.append(l) } }
        let row = try #require(report.rows.first)
        #expect(row.reference == "passed", "\(row.referenceReason ?? "")")
        #expect(row.outcomes == ["phi_detector_off": .killed, "standby_ignored": .survived, "weights_ignored": .equivalent])
        #expect(row.killedBy["phi_detector_off"]?.contains("r1 detached within") == true, "\(row.killedBy)")
        #expect(report.survivingMutants == [.standbyIgnored, .weightsIgnored])
        #expect(report.scenariosKillingNone.isEmpty && !report.holds)
        #expect(lines.withLockedValue { $0 } == ["KILLS 1 t-mutants: killed [phi_detector_off]; survived [standby_ignored]"])
        #expect(report.markdown.contains("| t-mutants | K | · | = | 1 |"), "\(report.markdown)")
        #expect(MutationCheck.unsupported(o) == nil)
        o.agentMode = .process
        #expect(MutationCheck.unsupported(o) != nil)
    }
}
