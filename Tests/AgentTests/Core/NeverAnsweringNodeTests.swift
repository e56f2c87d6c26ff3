import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

/// A node that never answers (secondary-output's r1): its detector's only `last` is floor(configure time), so it is
/// detached at the first heartbeat tick more than 1.80 s after that second (phi_threshold 1, heartbeat_interval
/// 0.5: phi = (Δ + 0.5) / ln 10), and the tick moves with the configure time's fraction of a second
/// (docs/fluentd-model.md, "The heartbeat timer"; docs/fidelity.md times the detach from that second).
@Suite struct NeverAnsweringNodeTests {
    private func detachTick(configuredAt wall: Double) -> (tick: Int, event: AgentEvent?, added: AgentEvent?) {
        let clock = VirtualClock(wall: wall)
        var s = ForwarderSettings()
        s.seed = 42
        s.heartbeatInterval = 0.5
        s.phiThreshold = 1
        s.hardTimeout = 5
        var core = ForwarderCore(settings: s, nodes: [ForwarderNodeConfig(name: "r1", host: "127.0.0.1")], clock: clock)
        let added = core.configureDirectives.compactMap { if case .emitEvent(let e) = $0, e.event == .nodeAdded { e } else { nil } }.first
        for tick in 1...10 {
            clock.advance(by: 0.5)
            var out: [ForwarderDirective] = []
            core.runHeartbeatRound(into: &out, replies: { _ in false })
            if let e = out.compactMap({ if case .emitEvent(let e) = $0, e.event == .detached { e } else { nil } }).first {
                return (tick, e, added)
            }
        }
        return (0, nil, added)
    }

    @Test func theDetachFollowsTheConfigureSecondRoundedDown() {
        // Configured at .10 past a second: 1.80 s after the floor is 1.70 s after the start, the 4th tick (2.0 s).
        let early = detachTick(configuredAt: 1_700_000_000.10)
        #expect(early.tick == 4 && early.event?.cause == "phi")
        #expect(early.added?.node == "r1" && early.added?.detail == "initial_last=1700000000")
        // At .50: 1.30 s after the start, the 3rd tick; at .906 (Fluentd's start in one measured run): the 2nd.
        #expect(detachTick(configuredAt: 1_700_000_000.50).tick == 3)
        #expect(detachTick(configuredAt: 1_700_000_000.906).tick == 2)
    }
}
