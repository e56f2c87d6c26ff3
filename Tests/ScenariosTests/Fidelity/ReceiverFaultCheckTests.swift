import Foundation
import Testing

@testable import Scenarios

/// The simulated receiver faults checked against real `fwdlab receiver` processes under real SIGSTOP/SIGCONT and
/// SIGKILL, under the same agent traffic (docs/faults.md, "Checked against real processes").
@Suite(.serialized) struct ReceiverFaultCheckTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func check(_ relative: String) async throws -> ReceiverFaultCheck.Result {
        let fwdlab = ProcessModeTests.fwdlab
        try #require(FileManager.default.isExecutableFile(atPath: fwdlab), "\(fwdlab) is missing: run `swift build --build-tests` first")
        let scenario = try ScenarioLoader.load(path: root.appendingPathComponent(relative).path)
        return await ReceiverFaultCheck(options: ScenarioRunnerTests.options(), receiverExecutable: fwdlab).run(scenario)
    }

    @Test("a paused receiver loses nothing sent with FIN, as a SIGSTOP'd process does", .timeLimit(.minutes(2)))
    func pauseWithoutAcks() async throws {
        let r = try await Self.check("fixtures/fault-check/pause-without-acks.yaml")
        #expect(r.status == .agree, "\(r.lines.joined(separator: "\n"))")
        let s = try #require(r.simulated), p = try #require(r.process)
        #expect(s.lost == 0 && p.lost == 0)
        #expect(s.accepted == 800 && p.accepted == 800, "the load ran")
    }

    @Test("pause with acks: the same ack-timeout disable and the same resent chunks as SIGSTOP", .timeLimit(.minutes(2)))
    func pauseWithAcks() async throws {
        let r = try await Self.check("fixtures/scenarios/primary-paused-under-traffic.yaml")
        #expect(r.status == .agree, "\(r.lines.joined(separator: "\n"))")
        #expect(r.decisions.contains { $0.key.hasPrefix("r1 disabled(ack_timeout)") }, "the pause was noticed on both")
        #expect((r.simulated?.resends ?? 0) > 0, "chunks held by the paused receiver were resent")
    }

    // Off the tick grids: the library scenario crashes on a heartbeat tick, a race either side may win (the fixture says why).
    @Test("crash under traffic without acks matches SIGKILL", .timeLimit(.minutes(2)))
    func crashUnderTraffic() async throws {
        let r = try await Self.check("fixtures/fault-check/crash-under-traffic-no-ack.yaml")
        #expect(r.status == .agree, "\(r.lines.joined(separator: "\n"))")
        #expect(r.decisions.map(\.key) == ["r1 detached(phi) #1"], "the crash was detected on both")
    }

    @Test("crash of an idle receiver: detach and recovery within one heartbeat tick of SIGKILL's", .timeLimit(.minutes(2)))
    func crashIdle() async throws {
        let r = try await Self.check("fixtures/fault-check/crash-idle.yaml")
        #expect(r.status == .agree, "\(r.lines.joined(separator: "\n"))")
        #expect(r.decisions.map(\.key).contains("r1 detached(phi) #1"))
        #expect(r.decisions.map(\.key).contains("r1 recovered #1"))
    }

    @Test("refuse (listener closed) matches a port with no process", .timeLimit(.minutes(2)))
    func refuse() async throws {
        let r = try await Self.check("fixtures/fault-check/refuse-under-traffic.yaml")
        #expect(r.status == .agree, "\(r.lines.joined(separator: "\n"))")
        #expect(!r.decisions.isEmpty, "the closed port was noticed on both")
    }

    @Test("settings a process cannot take are refused with the reason")
    func unsupported() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("fixtures/scenarios/tls-transport.yaml"), encoding: .utf8)
        let s = try ScenarioLoader.parse(text)
        #expect(ProcessReceivers.unsupported(s)?.contains("tls") == true)
    }
}
