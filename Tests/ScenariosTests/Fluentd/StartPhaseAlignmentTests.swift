import Agent
import Testing

@testable import Scenarios

/// What the fidelity suite reads of Fluentd's start-up (docs/fidelity.md): the phases its buffer threads took, and
/// the initial `last` of a never-answering node's detector, from which such a node's detach is timed.
struct StartPhaseAlignmentTests {
    static func line(_ clock: String, _ level: String, _ message: String) -> String {
        "2026-12-07 17:31:\(clock) +0000 [\(level)]: \(message)"
    }

    /// Measured on 1.16.9 (secondary-output, 2026-12-07): both threads 0.4995 s after the worker's start in one
    /// run, at once in another.
    @Test func threadPhasesComeFromTheDebugLinesOfTheFirstWorker() throws {
        let slept = [Self.line("10.927910980", "info", "fluentd worker is now running worker=0"),
                     Self.line("11.427355048", "debug", "flush_thread actually running"),
                     Self.line("11.427439263", "debug", "enqueue_thread actually running"),
                     Self.line("14.000000000", "info", "restart fluentd worker"),
                     Self.line("14.100000000", "debug", "flush_thread actually running")].joined(separator: "\n")
        let s = try #require(FluentdThreadStarts(log: slept))
        #expect(s.flush == [.afterStartedPoll] && s.enqueue == .afterStartedPoll && s.isAgentDefault)
        let atOnce = [Self.line("10.927910980", "info", "fluentd worker is now running worker=0"),
                      Self.line("10.927990000", "debug", "flush_thread actually running"),
                      Self.line("11.428000000", "debug", "flush_thread actually running"),
                      Self.line("10.928010000", "debug", "enqueue_thread actually running")].joined(separator: "\n")
        let i = try #require(FluentdThreadStarts(log: atOnce))
        #expect(i.flush == [.immediate, .afterStartedPoll] && i.enqueue == .immediate && !i.isAgentDefault)
        #expect(i.overrides == ["fwdlab_flush_thread_start": "immediate,after_started_poll", "fwdlab_enqueue_thread_start": "immediate"])
        #expect(FluentdThreadStarts(log: Self.line("10.9", "info", "fluentd worker is now running")) == nil)
    }

    /// "adding forwarding server" is where build_node makes the detector with last = floor(now).
    @Test func theReaderKeepsTheDetectorsInitialLast() {
        let reader = FluentdDecisionReader(labels: [:])
        let text = Self.line("10.906462302", "info", "adding forwarding server 'r1' host=\"127.0.0.1\" port=44093 weight=60")
        let events = reader.events(inLog: text, toRunSeconds: { Double($0) / 1e9 })
        #expect(events.count == 1 && events[0].event == .nodeAdded && events[0].node == "r1")
        #expect(events[0].detail == "initial_last=1796664670")
    }

    /// r1 never started (secondary-output): phi passes 1 once 1.80 s have gone since floor(configure), so each side
    /// detaches at its first heartbeat tick after that, which depends on its start's fraction of a second. Here the
    /// agent's last is 0.80 s before its t = 0, Fluentd's 0.965 s: 0.53 s apart on the run clock, 0.365 s from the
    /// origins. The rebuild that found no node follows its detach.
    @Test func aNeverAnsweringNodesDetachIsTimedFromItsInitialLast() {
        var a = RunRecord(scenario: "t", seed: 1), f = RunRecord(scenario: "t", seed: 1)
        a.startedWallNanos = 1_000_000_000_800_000_000  // the agent's t = 0 at .80 past a second
        f.startedWallNanos = 2_000_000_000_965_000_000  // Fluentd's at .965
        a.agentEvents = [AgentEventEntry(time: 0.0, node: "r1", event: .nodeAdded, detail: "initial_last=1000000000"),
                         AgentEventEntry(time: 1.5, node: "r1", event: .detached, cause: "phi"),
                         AgentEventEntry(time: 1.5, node: "", event: .noNodesAvailable, cause: "rebuild")]
        f.agentEvents = [AgentEventEntry(time: -0.06, node: "r1", event: .nodeAdded, detail: "initial_last=2000000000"),
                         AgentEventEntry(time: 0.97, node: "r1", event: .detached, cause: "phi"),
                         AgentEventEntry(time: 0.97, node: "", event: .noNodesAvailable, cause: "rebuild")]
        let tol = DecisionAlignment.Tolerances(heartbeatTick: 0.5, ackCheck: 1, flushThread: 0.2)
        let d = DecisionAlignment.align(agent: a.agentEvents, fluentd: f.agentEvents, tolerances: tol, known: FidelitySpec(), records: (a, f))
        let detach = d.first { $0.key == "r1 detached(phi) #1" }
        #expect(abs((detach?.agentLatency ?? 0) - 2.3) < 1e-6 && abs((detach?.fluentdLatency ?? 0) - 1.935) < 1e-6)
        #expect(detach?.status == .agree)
        let rebuild = d.first { $0.key == "agent no_nodes_available(rebuild) #1" }
        #expect(rebuild?.agentLatency == detach?.agentLatency && rebuild?.status == .agree)
        // Without the origins the run clock says 0.53 s: beyond one tick.
        let plain = DecisionAlignment.align(agent: a.agentEvents, fluentd: f.agentEvents, tolerances: tol, known: FidelitySpec())
        #expect(plain.first { $0.key == "r1 detached(phi) #1" }?.status == .diverge)
    }
}
