import Agent
import Testing

@testable import Scenarios

/// `no_detach` judges the run up to the agent's stop: a disable by the shutdown's last_ack (quirk 36) is shown in the
/// message, not judged; one before the stop still fails.
struct NoDetachAtShutdownTests {
    static func result(_ events: [AgentEventEntry]) -> ExpectationResult {
        var r = RunRecord(scenario: "t-no-detach", seed: 1)
        r.agentEvents = events
        return ExpectationEvaluator.evaluate([ExpectationSpec(kind: .noDetach(node: "r2"))], record: r)[0]
    }

    @Test func aDisableAtShutdownIsShownNotJudged() {
        let r = Self.result([AgentEventEntry(time: 8.1, node: "", event: .stopped),
                             AgentEventEntry(time: 10.112, node: "r2", event: .disabled, cause: "ack_timeout")])
        #expect(r.status == .pass)
        #expect(r.message.contains("disabled at 10.112 s") && r.message.contains("not judged"), "\(r.message)")
    }

    @Test func aDisableBeforeTheStopFails() {
        let r = Self.result([AgentEventEntry(time: 5.0, node: "r2", event: .disabled, cause: "ack_timeout"),
                             AgentEventEntry(time: 8.1, node: "", event: .stopped)])
        #expect(r.status == .fail)
        let never = Self.result([AgentEventEntry(time: 5.0, node: "r2", event: .detached, cause: "phi")])
        #expect(never.status == .fail, "no stop recorded: the whole run is judged")
    }
}
