import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

/// `<service_discovery>`'s decision parts: the list diff, the queue drained by the manager's timer, the forwarder
/// core's membership changes and libev's change detection (docs/agent-parameters.md, "<service_discovery>").
@Suite struct ServiceDiscoveryCoreTests {
    private func svc(_ port: Int, name: String? = nil, weight: Int = 60) -> DiscoveredService {
        DiscoveredService(plugin: "file", host: "127.0.0.1", port: port, name: name, weight: weight)
    }

    private func logs(_ d: [ForwarderDirective]) -> [String] {
        d.compactMap { if case .log(_, let m) = $0 { return m } else { return nil } }
    }

    @Test func diffQueuesServiceInBeforeServiceOut() {
        let a = svc(1), b = svc(2), c = svc(3)
        #expect(ServiceDiscoveryCore.diff(old: [a, b], new: [b, c]) == [.serviceIn(c), .serviceOut(a)])
        #expect(ServiceDiscoveryCore.diff(old: [a], new: [a]).isEmpty)
        // A changed weight is another service: the old goes out, the new comes in.
        #expect(ServiceDiscoveryCore.diff(old: [a], new: [svc(1, weight: 10)]) == [.serviceIn(svc(1, weight: 10)), .serviceOut(a)])
        // Duplicates in the new list are both announced (Array#- keeps them).
        #expect(ServiceDiscoveryCore.diff(old: [a], new: [c, c]) == [.serviceIn(c), .serviceIn(c), .serviceOut(a)])
    }

    @Test func fileTakesAnEmptyListButSrvIgnoresIt() {
        var core = ServiceDiscoveryCore(kinds: [.file, .srv], initial: [[svc(1)], [svc(2)]])
        #expect(core.refreshed(source: 1, list: []) == .unchanged)
        #expect(core.lists[1] == [svc(2)])
        #expect(core.refreshed(source: 0, list: []) == .queued(1))
        #expect(core.timerFired() == [.serviceOut(svc(1))])
        #expect(core.timerFired().isEmpty)
    }

    @Test func failedReadKeepsTheOldListAndNamesThePlugin() {
        var core = ServiceDiscoveryCore(kinds: [.file], initial: [[svc(1)]])
        #expect(core.failed(source: 0, message: "undefined method `map' for nil:NilClass")
                == .failed(log: "sd_file: undefined method `map' for nil:NilClass"))
        #expect(core.queue.isEmpty && core.lists[0] == [svc(1)])
        // The next good read diffs against the list before the failure.
        #expect(core.refreshed(source: 0, list: [svc(1), svc(2)]) == .queued(1))
    }

    @Test func messagesWaitForTheManagerTick() {
        var core = ServiceDiscoveryCore(kinds: [.file], initial: [[svc(1)]])
        _ = core.refreshed(source: 0, list: [svc(2)])
        _ = core.refreshed(source: 0, list: [svc(3)])
        // Two refreshes before one tick: the tick applies both batches in order.
        #expect(core.timerFired() == [.serviceIn(svc(2)), .serviceOut(svc(1)), .serviceIn(svc(3)), .serviceOut(svc(2))])
    }

    @Test func forwarderCoreAddsAndRemovesNodesKeepingTheStayersState() throws {
        let clock = VirtualClock(wall: 1_700_000_000)
        var s = ForwarderSettings()
        s.seed = 7
        let r1 = svc(1, name: "r1"), r2 = svc(2, name: "r2")
        var core = ForwarderCore(settings: s, nodes: [r1.node], clock: clock, identities: [r1])
        var out: [ForwarderDirective] = []
        for _ in 0..<5 {
            clock.advance(by: 1)
            core.runHeartbeatRound(into: &out, replies: { _ in true })
        }
        let phiBefore = core.phi(0)
        let added = core.applyDiscovery([.serviceIn(r2)])
        #expect(logs(added).contains("adding forwarding server 'r2' host=\"127.0.0.1\" port=2 weight=60"))
        #expect(logs(added).contains("Service in: name=r2 127.0.0.1:2"))
        #expect(added.contains(.nodeAdded(node: 1)))
        #expect(added.contains { if case .emitEvent(let e) = $0 { e.event == .serviceIn && e.node == "r2" } else { false } })
        #expect(core.members == [0, 1])
        #expect(Set(core.weightArray) == [0, 1])
        #expect(core.phi(0) == phiBefore)
        let removed = core.applyDiscovery([.serviceOut(r1)])
        #expect(logs(removed).contains("Service out: name=r1 127.0.0.1:1"))
        #expect(removed.contains(.nodeRemoved(node: 0)))
        #expect(removed.contains { if case .emitEvent(let e) = $0 { e.event == .serviceOut && e.node == "r1" } else { false } })
        #expect(core.members == [1])
        #expect(Set(core.weightArray) == [1])
        // Heartbeats go only to members.
        out = []
        clock.advance(by: 1)
        core.runHeartbeatRound(into: &out, replies: { _ in true })
        #expect(!out.contains { if case .sendHeartbeat(0, _, _, _) = $0 { true } else if case .resolveDNS(0, _, _) = $0 { true } else { false } })
        #expect(try core.planSend().candidates.allSatisfy { $0 == 1 })
        // Removing what is not registered is a warning, and the batch still rebuilds.
        let missing = core.applyDiscovery([.serviceOut(r1)])
        #expect(logs(missing).contains("Not found service: name=r1 127.0.0.1:1"))
        #expect(missing.contains { if case .rebalanced = $0 { true } else { false } })
        #expect(core.applyDiscovery([]).isEmpty)
    }

    @Test func removingEveryNodeLeavesNoNodesAvailable() {
        let clock = VirtualClock()
        let r1 = svc(1)
        var core = ForwarderCore(settings: ForwarderSettings(), nodes: [r1.node], clock: clock, identities: [r1])
        let out = core.applyDiscovery([.serviceOut(r1)])
        #expect(logs(out).contains("No nodes are available"))
        #expect(throws: NoNodesAvailable.self) { try core.planSend() }
    }

    @Test func aReaddedServiceStartsWithAFreshDetector() {
        let clock = VirtualClock(wall: 1_700_000_000)
        let r1 = svc(1), r2 = svc(2)
        var core = ForwarderCore(settings: ForwarderSettings(), nodes: [r1.node, r2.node], clock: clock, identities: [r1, r2])
        var out: [ForwarderDirective] = []
        // r1 silent for 40 s: detached.
        for _ in 0..<40 {
            clock.advance(by: 1)
            core.runHeartbeatRound(into: &out, replies: { $0 == 1 })
        }
        #expect(!core.isAvailable(0))
        _ = core.applyDiscovery([.serviceOut(r1)])
        _ = core.applyDiscovery([.serviceIn(r1)])
        #expect(core.members == [1, 2])
        #expect(core.isAvailable(2))
    }

    @Test func aDuplicatedServiceReplacesTheNodeInPlace() {
        let clock = VirtualClock()
        let r1 = svc(1), r2 = svc(2)
        var core = ForwarderCore(settings: ForwarderSettings(), nodes: [r1.node, r2.node], clock: clock, identities: [r1, r2])
        let out = core.applyDiscovery([.serviceIn(r1)])
        #expect(core.members == [2, 1])
        #expect(out.contains(.nodeRemoved(node: 0)) && out.contains(.nodeAdded(node: 2)))
    }

    @Test func statWatcherMissesSameSizeRewritesWithinOneSecond() {
        let base = FileStatSignature(device: 1, inode: 10, mode: 0o100644, links: 1, size: 40, atime: 100, mtime: 100, ctime: 100)
        var d = FileChangeDetector(initial: base)
        let c1 = d.observe(base)
        #expect(!c1)
        var same = base
        same.mtime = 100  // rewritten in the same second with the same size
        let c2 = d.observe(same)
        #expect(!c2)
        var later = base
        later.mtime = 101
        later.ctime = 101
        let c3 = d.observe(later)
        #expect(c3)
        var renamed = later
        renamed.inode = 11  // an atomic rename is a new inode
        let c4 = d.observe(renamed)
        #expect(c4)
        let c5 = d.observe(nil)
        #expect(c5)  // deleted: links 0
        let c6 = d.observe(nil)
        #expect(!c6)
        let c7 = d.observe(renamed)
        #expect(c7)  // back
    }
}
