import Foundation
import Testing

@testable import Scenarios

/// Whenever the agent logs Fluentd's "no nodes are available" (the rebuild warning, or a flush failing with
/// NoNodesAvailable; docs/forward-protocol.md, "Load balancing"), its event stream carries a `no_nodes_available` event at the same moment.
@Suite(.serialized) struct NoNodesAvailableEventTests {
    static func scenario(name: String, receivers: String, timeline: String) -> String {
        """
        name: \(name)
        seed: 5
        receivers:
        \(receivers)
        agent:
          config: |
            <match **>
              @type forward
              heartbeat_type transport
              heartbeat_interval 0.5
              phi_threshold 1
              hard_timeout 5
              recover_wait 1
              connect_timeout 1
              ${servers}
              <buffer>
                flush_mode interval
                flush_interval 0.2
                flush_thread_interval 0.2
                retry_wait 0.2
                retry_max_interval 0.4
              </buffer>
            </match>
        load: {rate: 50, duration: 3.2s}
        timeline:
        \(timeline)
        drain: 0.3s
        capture: false
        expectations:
          - agent_event: {event: no_nodes_available, min: 1}
          - log_contains: {text: "no nodes are available"}
        """
    }

    /// Each log line naming "no nodes are available" (any case) is matched by an event within 0.1 s.
    static func checkPairing(_ r: ScenarioResult) throws {
        let record = try #require(r.record)
        let lines = record.agentLog.split(separator: "\n").filter { $0.lowercased().contains("no nodes are available") }
        #expect(!lines.isEmpty, "the agent logged it at least once")
        let events = record.agentEvents.filter { $0.event == .noNodesAvailable }
        for line in lines {
            let t = try #require(Double(line.prefix(9).trimmingCharacters(in: .whitespaces)), "time prefix of \(line)")
            #expect(events.contains { abs($0.time - t) < 0.1 }, "no no_nodes_available event near \(t): \(line)")
        }
        #expect(events.count >= lines.count)
    }

    /// Both regular nodes crash; after both phi detaches every flush fails with NoNodesAvailable.
    @Test func everyRegularNodeDetached() async throws {
        let text = Self.scenario(name: "t-no-nodes", receivers: "  - {name: r1}\n  - {name: r2}",
                                 timeline: "  - {id: crash-r1, at: 0.8s, crash: r1}\n  - {id: crash-r2, at: 0.8s, crash: r2}")
        var o = RunOptions()
        o.capture = false
        let r = await ScenarioRunner(options: o).run(try ScenarioLoader.parse(text))
        #expect(r.verdict == .passed, "\(r.expectations.map { "\($0.status) \($0.statement): \($0.measured) \($0.message)" })")
        try Self.checkPairing(r)
        #expect(r.record?.agentEvents.contains { $0.event == .noNodesAvailable && $0.cause == "flush_failed" } == true)
    }

    /// Only a standby configured: the rebuild at configure warns "No nodes are available" and flushes fail.
    @Test func onlyStandbyConfigured() async throws {
        let text = Self.scenario(name: "t-only-standby", receivers: "  - {name: s1, standby: true}", timeline: "  []")
            .replacingOccurrences(of: "duration: 3.2s", with: "duration: 1s")
        var o = RunOptions()
        o.capture = false
        let r = await ScenarioRunner(options: o).run(try ScenarioLoader.parse(text))
        #expect(r.verdict == .passed, "\(r.expectations.map { "\($0.status) \($0.statement): \($0.measured) \($0.message)" })")
        try Self.checkPairing(r)
        #expect(r.record?.agentEvents.contains { $0.event == .noNodesAvailable && $0.cause == "rebuild" } == true)
    }
}
