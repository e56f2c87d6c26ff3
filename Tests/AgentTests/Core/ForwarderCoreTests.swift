import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

@Suite struct ForwarderCoreTests {
    private func makeCore(_ nodes: [ForwarderNodeConfig], clock: VirtualClock,
                          _ tweak: (inout ForwarderSettings) -> Void = { _ in }) -> ForwarderCore {
        var s = ForwarderSettings()
        s.seed = 42
        tweak(&s)
        return ForwarderCore(settings: s, nodes: nodes, clock: clock)
    }

    private func logs(_ d: [ForwarderDirective]) -> [String] {
        d.compactMap { if case .log(_, let m) = $0 { return m } else { return nil } }
    }

    private func events(_ d: [ForwarderDirective]) -> [AgentEvent] {
        d.compactMap { if case .emitEvent(let e) = $0 { return e } else { return nil } }
    }

    /// Advances one heartbeat interval and runs a timer round; returns that round's directives.
    private func round(_ core: inout ForwarderCore, _ clock: VirtualClock, replies: (Int) -> Bool) -> [ForwarderDirective] {
        clock.advance(by: core.settings.heartbeatInterval)
        var out: [ForwarderDirective] = []
        core.runHeartbeatRound(into: &out, replies: replies)
        return out
    }

    @Test func phiDetachAfter37SecondsWithFluentdLogLine() {
        let clock = VirtualClock(wall: 1_700_000_000)
        var core = makeCore([ForwarderNodeConfig(name: "a", host: "127.0.0.1")], clock: clock)
        for _ in 0..<50 { _ = round(&core, clock, replies: { _ in true }) }
        let t0 = clock.now
        var detachOut: [ForwarderDirective] = []
        var seconds = 0
        while seconds < 100 && detachOut.isEmpty {
            seconds += 1
            let out = round(&core, clock, replies: { _ in false })
            if out.contains(where: { if case .emitEvent = $0 { return true } else { return false } }) { detachOut = out }
        }
        #expect(clock.now - t0 == 37)
        let line = logs(detachOut).first { $0.hasPrefix("detached forwarding server") }
        #expect(line?.hasPrefix("detached forwarding server 'a' host=\"127.0.0.1\" port=24224 phi=16.0") == true)
        #expect(line?.hasSuffix(" phi_threshold=16") == true)
        let ev = events(detachOut).first
        #expect(ev?.event == .detached && ev?.cause == "phi" && ev?.node == "a" && ev?.threshold == 16)
        // The detached regular node stays in the array (skipped at selection), so no "No nodes are available" line.
        #expect(!logs(detachOut).contains("No nodes are available"))
        #expect(!core.isAvailable(0))
        #expect(throws: NoNodesAvailable.self) { try core.planSend() }
        // DNS cache dropped on tick detach: the next round resolves again.
        let next = round(&core, clock, replies: { _ in false })
        #expect(next.contains(.resolveDNS(node: 0, host: "127.0.0.1", port: 24224)))
    }

    @Test func hardTimeoutLineWhenPhiDisabled() {
        let clock = VirtualClock(wall: 1_700_000_000)
        var core = makeCore([ForwarderNodeConfig(host: "h")], clock: clock) { $0.phiFailureDetector = false }
        var all: [ForwarderDirective] = []
        for _ in 0..<70 { all += round(&core, clock, replies: { _ in false }) }
        #expect(logs(all).contains("detached forwarding server '' host=\"h\" port=24224 hard_timeout=true"))
        #expect(events(all).first?.cause == "hard_timeout")
    }

    @Test func recoveryOnEleventhHeartbeatRebalances() {
        let clock = VirtualClock(wall: 1_700_000_000)
        var core = makeCore([ForwarderNodeConfig(name: "a", host: "h1"), ForwarderNodeConfig(name: "b", host: "h2")], clock: clock)
        for _ in 0..<40 { _ = round(&core, clock, replies: { $0 == 1 }) }
        #expect(!core.isAvailable(0))
        var k = 0
        var recoveredOut: [ForwarderDirective] = []
        while k < 30 && recoveredOut.isEmpty {
            k += 1
            let out = round(&core, clock, replies: { _ in true })
            if logs(out).contains(where: { $0.hasPrefix("recovered forwarding server") }) { recoveredOut = out }
        }
        #expect(k == 11)
        #expect(logs(recoveredOut).contains("recovered forwarding server 'a' host=\"h1\" port=24224"))
        #expect(recoveredOut.contains { if case .rebalanced(let w) = $0 { return w.contains(0) } else { return false } })
        #expect(events(recoveredOut).first?.detail == "samples=11")
    }

    @Test func standbyPromotedOnTickDetach() throws {
        // docs/forward-protocol.md, "Weight array".
        let clock = VirtualClock(wall: 1_700_000_000)
        var core = makeCore([ForwarderNodeConfig(host: "A", port: 1), ForwarderNodeConfig(host: "S", port: 2, standby: true)], clock: clock)
        #expect(core.weightArray.allSatisfy { $0 == 0 })
        var all: [ForwarderDirective] = []
        for _ in 0..<40 { all += round(&core, clock, replies: { $0 == 1 }) }
        #expect(logs(all).contains("using standby node S:2 weight=60"))
        #expect(events(all).contains { $0.event == .standbyPromoted && $0.node == "S:2" })
        let plan = try core.planSend()
        #expect(plan.candidates.allSatisfy { $0 == 1 })
    }

    @Test func twelveSendsSplitEvenly() throws {
        // docs/forward-protocol.md, "Node selection" through the core.
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "a"), ForwarderNodeConfig(host: "b"), ForwarderNodeConfig(host: "z", weight: 0)], clock: clock)
        var counts = [0, 0, 0]
        for _ in 0..<12 {
            let plan = try core.planSend()
            counts[plan.candidates[0]] += 1
            core.finishSend(plan, succeededAt: 0)
            _ = core.handle(.sendSucceeded(node: plan.candidates[0]))
        }
        #expect(counts == [6, 6, 0])
    }

    @Test func ackTimeoutDisablesAndRollsBackWithoutRetry() {
        // docs/forward-protocol.md, "Ack outcomes": ack_response_timeout 1 → detected within 1–2 s, delayed_commit_timeout 3, node disabled.
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) { $0.requireAckResponse = true; $0.ackResponseTimeout = 1 }
        #expect(core.settings.effectiveDelayedCommitTimeout == 3)
        #expect(core.settings.ackCheckInterval == 1)
        let id = ChunkID(bytes: Array(0...15))!
        _ = core.handle(.ackRegistered(chunkID: id, node: 0, connection: 7))
        var out: [ForwarderDirective] = []
        var waited = 0.0
        while waited < 5 && out.isEmpty {
            clock.advance(by: core.settings.ackCheckInterval)
            waited += core.settings.ackCheckInterval
            out = core.handle(.ackCheckTimerFired)
        }
        #expect(waited >= 1 && waited <= 2)
        #expect(logs(out).contains("no response from node. regard it as unavailable. host=\"a\" port=24224"))
        #expect(out.contains(.rollbackChunk(id)))
        #expect(out.contains(.closeConnection(7)))
        #expect(!core.isAvailable(0))
        #expect(events(out).contains { $0.event == .disabled && $0.cause == "ack_timeout" })
        // Quirk 29 (docs/quirks.md): no rebuild on this path.
        #expect(!out.contains { if case .rebalanced = $0 { return true } else { return false } })
    }

    @Test func peerCloseBeforeAck() {
        // docs/forward-protocol.md, "Ack outcomes".
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) { $0.requireAckResponse = true }
        let id = ChunkID(high: 1, low: 2)
        _ = core.handle(.ackRegistered(chunkID: id, node: 0, connection: 3))
        let out = core.handle(.peerClosed(connection: 3))
        #expect(logs(out) == ["destination node closed the connection. regard it as unavailable. host=\"a\" port=24224"])
        #expect(out.contains(.rollbackChunk(id)))
        #expect(!core.isAvailable(0))
        #expect(core.handle(.peerClosed(connection: 3)).isEmpty)
    }

    @Test func wrongAckRollsBackNodeStays() {
        // docs/forward-protocol.md, "Ack outcomes".
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) { $0.requireAckResponse = true }
        let id = ChunkID(bytes: Array(0...15))!
        _ = core.handle(.ackRegistered(chunkID: id, node: 0, connection: 1))
        let out = core.handle(.ackReceived(connection: 1, reply: .map(ack: "bogus")))
        #expect(out.contains(.rollbackChunk(id)))
        #expect(logs(out).first == "ack in response and chunk id in sent data are different chunk_id=\"000102030405060708090a0b0c0d0e0f\" ack=\"bogus\"")
        #expect(core.isAvailable(0))
        _ = core.handle(.ackRegistered(chunkID: id, node: 0, connection: 2))
        let ok = core.handle(.ackReceived(connection: 2, reply: .map(ack: "AAECAwQFBgcICQoLDA0ODw==\n")))
        #expect(events(ok).map(\.event.rawValue) == ["ack_arrived"])
        #expect(ok.filter { if case .emitEvent = $0 { false } else { true } } == [.closeConnection(2), .commitChunk(id)])
    }

    @Test func ackDisabledNodeReEnabledByNextHeartbeat() {
        // docs/forward-protocol.md, "Recovery".
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(name: "a", host: "a")], clock: clock) { $0.requireAckResponse = true }
        for _ in 0..<20 { _ = round(&core, clock, replies: { _ in true }) }
        _ = core.handle(.ackRegistered(chunkID: ChunkID(high: 1, low: 1), node: 0, connection: 1))
        _ = core.handle(.peerClosed(connection: 1))
        #expect(!core.isAvailable(0))
        let out = round(&core, clock, replies: { _ in true })
        #expect(core.isAvailable(0))
        #expect(logs(out).contains("recovered forwarding server 'a' host=\"a\" port=24224"))
    }

    @Test func heartbeatTypeNoneIgnoresDisables() {
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) { $0.heartbeatType = .none }
        #expect(core.handle(.heartbeatTimerFired).isEmpty)
        _ = core.handle(.handshakeFailed(node: 0, reason: "shared key mismatch"))
        #expect(core.isAvailable(0))
    }

    @Test func rebuildOnEveryChangeOptIn() {
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "A", port: 1), ForwarderNodeConfig(host: "S", port: 2, standby: true)], clock: clock) {
            $0.rebuildOnEveryChange = true
        }
        let out = core.handle(.handshakeFailed(node: 0, reason: "authentication failed: x"))
        #expect(logs(out).contains("connection refused to A: authentication failed: x"))
        #expect(logs(out).contains("using standby node S:2 weight=60"))
    }

    @Test func dnsFailureDuringHeartbeatAndStartup() {
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "nx.example")], clock: clock) { $0.ignoreNetworkErrorsAtStartup = true }
        let start = core.handle(.startupResolutionFailed(node: 0, error: "getaddrinfo: Name or service not known"))
        #expect(logs(start).first?.hasPrefix("failed to resolve node name when configured server=\"nx.example\"") == true)
        #expect(!core.isAvailable(0))
        let fired = core.handle(.heartbeatTimerFired)
        #expect(fired == [.resolveDNS(node: 0, host: "nx.example", port: 24224)])
        let failed = core.handle(.dnsFailed(node: 0, error: "boom"))
        #expect(logs(failed).first?.hasPrefix("failed to resolve node name in heartbeating") == true)
        let ok = core.handle(.dnsResolved(node: 0, addresses: ["10.1.1.1"]))
        #expect(ok.isEmpty)  // no heartbeat pending any more
    }

    @Test func configValidationAndLogFormatting() {
        var s = ForwarderSettings()
        s.dnsRoundRobin = true
        s.heartbeatType = .udp
        s.ackResponseTimeout = 0.5
        let errors = s.validationErrors(nodes: [])
        #expect(errors.count == 3)
        #expect(RubyInspect.float(16.0) == "16.0")
        #expect(RubyInspect.float(1e-05) == "1.0e-05")
        #expect(RubyInspect.float(.infinity) == "Infinity")
        #expect(RubyInspect.number(16) == "16")
        #expect(RubyInspect.string("a\"b") == "\"a\\\"b\"")
    }

    @Test func manyVirtualHoursAreFast() {
        // One simulated hour of 1 s heartbeats for 3 nodes, with a reused directive buffer.
        let clock = VirtualClock()
        var core = makeCore((0..<3).map { ForwarderNodeConfig(host: "n\($0)") }, clock: clock)
        var out: [ForwarderDirective] = []
        out.reserveCapacity(64)
        for k in 0..<3600 {
            clock.advance(by: 1)
            out.removeAll(keepingCapacity: true)
            core.runHeartbeatRound(into: &out) { node in !(node == 2 && k % 600 > 300) }
        }
        #expect(core.isAvailable(0) && core.isAvailable(1))
    }
}

/// The ack reader's passes (docs/fluentd-model.md, "The ack reader").
extension ForwarderCoreTests {
    @Test func anAckOnAConnectionRegisteredMidPassIsReadAtTheNextPass() {
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) { $0.requireAckResponse = true }
        #expect(core.handle(.ackReaderStarted) == [.armAckReader(after: 1 + AckReaderLoop.passOverhead)])
        clock.advance(by: 0.25)
        let id = ChunkID(high: 1, low: 2)
        _ = core.handle(.ackRegistered(chunkID: id, node: 0, connection: 5))
        clock.advance(by: 0.25)
        // The pass that began at 0 s does not watch connection 5: the ack stays in the socket until the next pass.
        let arrival = core.handle(.ackReceived(connection: 5, reply: .map(ack: id.ackValue)))
        #expect(arrival == [.emitEvent(AgentEvent(time: clock.now, node: "a:24224", event: .ackArrived, detail: id.hex))])
        clock.advance(by: 0.502)
        let out = core.handle(.ackCheckTimerFired)
        #expect(out == [.closeConnection(5), .commitChunk(id), .armAckReader(after: 1 + AckReaderLoop.passOverhead)])
    }

    @Test func anAckOnAWatchedConnectionEndsThePassSoThePhaseFollowsTheAcks() {
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) { $0.requireAckResponse = true }
        _ = core.handle(.ackReaderStarted)
        clock.advance(by: 0.25)
        let id = ChunkID(high: 1, low: 2)
        _ = core.handle(.ackRegistered(chunkID: id, node: 0, connection: 5))
        clock.advance(by: 0.752)
        #expect(core.handle(.ackCheckTimerFired) == [.armAckReader(after: 1 + AckReaderLoop.passOverhead)])  // the pass at 1.002 s watches 5
        clock.advance(by: 0.25)
        // Read at once; the next pass starts now (1.252 s) and ends at 2.254 s, no longer in phase with 1 s ticks.
        let read = core.handle(.ackReceived(connection: 5, reply: .map(ack: id.ackValue)))
        #expect(Array(read.dropFirst()) == [.closeConnection(5), .commitChunk(id), .armAckReader(after: 1 + AckReaderLoop.passOverhead)])
    }

    @Test func aWaitExpiresAtThePassAfterItsDeadlineEvenWithItsAckUnread() {
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) { $0.requireAckResponse = true; $0.ackResponseTimeout = 0.5 }
        guard case .armAckReader(let interval)? = core.handle(.ackReaderStarted).last else {
            Issue.record("no ack reader timer")
            return
        }
        #expect(interval == 2.5 / 3 + AckReaderLoop.passOverhead)  // delayed_commit_timeout becomes 0.5 + 2, so the select waits a third of it
        clock.advance(by: 0.25)
        let id = ChunkID(high: 1, low: 2)
        _ = core.handle(.ackRegistered(chunkID: id, node: 0, connection: 5))  // deadline 0.75 s
        clock.advance(by: 0.25)
        #expect(!core.handle(.ackReceived(connection: 5, reply: .map(ack: id.ackValue))).contains(.commitChunk(id)))
        clock.advance(by: interval - 0.5)
        // The pass first expires: the ack sitting in the socket is never read. Fluentd logs the timeout now but hands
        // the result over when this pass's select returns, so the node stays available until then.
        let out = core.handle(.ackCheckTimerFired)
        #expect(logs(out) == ["no response from node. regard it as unavailable. host=\"a\" port=24224"])
        #expect(events(out).map(\.event.rawValue) == ["ack_failed", "disabled"])
        #expect(!out.contains(.commitChunk(id)) && !out.contains(.rollbackChunk(id)))
        #expect(core.isAvailable(0))
        #expect(core.ackReader.unread.isEmpty)
        clock.advance(by: interval)
        let end = core.handle(.ackCheckTimerFired)
        #expect(end.contains(.rollbackChunk(id)) && end.contains(.closeConnection(5)))
        #expect(events(end).isEmpty)  // the disable was announced already
        #expect(!core.isAvailable(0))
    }

    @Test func aNodeDisabledByAnAckTimeoutIsNotRecoveredInTheSameTick() {
        // Heartbeat ticks every 0.5 s keep their phase; ack-reader passes last 1 s plus Fluentd's measured overhead. The
        // pass that begins at 2.004 s expires the wait (logged then) and disables the node when it ends at 3.006 s,
        // just after the 3 s tick: the node returns at the 3.5 s tick, not in the tick of its disable.
        let clock = VirtualClock(wall: 1_700_000_000, monotonic: 0)
        var core = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) {
            $0.requireAckResponse = true; $0.ackResponseTimeout = 1; $0.heartbeatInterval = 0.5; $0.recoverWait = 1
        }
        var ackTimerAt = 0.0
        var transitions: [(Double, String)] = []
        func run(_ out: [ForwarderDirective]) {
            for d in out {
                if case .armAckReader(let after) = d { ackTimerAt = clock.monotonicNow + after }
                if case .emitEvent(let e) = d, [.disabled, .recovered].contains(e.event) { transitions.append((clock.monotonicNow, e.event.rawValue)) }
            }
        }
        run(core.handle(.ackReaderStarted))
        var nextTick = 0.5
        var registered = false
        for _ in 0..<100 {
            let next = min(nextTick, ackTimerAt, registered ? .infinity : 0.2)
            guard next <= 4 else { break }
            clock.advance(by: next - clock.monotonicNow)
            if !registered && next == 0.2 {
                registered = true
                run(core.handle(.ackRegistered(chunkID: ChunkID(high: 9, low: 9), node: 0, connection: 1)))
            } else if next == nextTick {
                var out: [ForwarderDirective] = []
                core.runHeartbeatRound(into: &out, replies: { _ in true })
                run(out)
                nextTick += 0.5
            } else {
                run(core.handle(.ackCheckTimerFired))
            }
        }
        #expect(transitions.map(\.1) == ["disabled", "recovered"])
        #expect(abs((transitions.first?.0 ?? 0) - (2 + 2 * AckReaderLoop.passOverhead)) < 1e-9)
        #expect(transitions.last?.0 == 3.5)
    }

    @Test func readAcksOnArrivalCommitsAtOnceWithoutEndingThePass() {
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) { $0.requireAckResponse = true; $0.readAcksOnArrival = true }
        _ = core.handle(.ackReaderStarted)
        clock.advance(by: 0.25)
        let id = ChunkID(high: 1, low: 2)
        _ = core.handle(.ackRegistered(chunkID: id, node: 0, connection: 5))
        clock.advance(by: 0.25)
        let out = core.handle(.ackReceived(connection: 5, reply: .map(ack: id.ackValue)))
        // Read now (Fluentd would wait for the pass that began at 0 s to end at 1.002 s), and no new pass is armed.
        #expect(out.contains(.commitChunk(id)) && out.contains(.closeConnection(5)))
        #expect(!out.contains { if case .armAckReader = $0 { true } else { false } })
    }
}

/// Shutdown with acks (docs/fluentd-model.md, "Shutdown with acks"): the reader's pass under way at `stop` is its
/// last; acks after it stay unread until `last_ack`, whose single pass expires overdue waits (disabling a node that
/// did ack) and reads what is there.
extension ForwarderCoreTests {
    @Test func atShutdownTheReaderStopsAfterItsPassAndLastAckDisablesANodeWhoseAckWasUnread() {
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "a"), ForwarderNodeConfig(host: "b")], clock: clock) {
            $0.requireAckResponse = true; $0.ackResponseTimeout = 1.5
        }
        let pass = 1 + AckReaderLoop.passOverhead
        _ = core.handle(.ackReaderStarted)
        let early = ChunkID(high: 1, low: 1), late = ChunkID(high: 2, low: 2), fresh = ChunkID(high: 3, low: 3)
        _ = core.handle(.ackRegistered(chunkID: early, node: 0, connection: 1))  // watched by no pass yet
        clock.advance(by: 0.1)
        _ = core.handle(.ackReaderStopping)  // the plugin's stop at 0.1 s: the pass that began at 0 s is the last
        clock.advance(by: pass - 0.1)
        #expect(core.handle(.ackCheckTimerFired).isEmpty, "no next pass is armed")
        #expect(core.ackReader.halted)
        // The force_flush loop sends two more chunks; their acks come back at once and stay in the sockets.
        _ = core.handle(.ackRegistered(chunkID: late, node: 1, connection: 2))
        clock.advance(by: 0.01)
        let kept = core.handle(.ackReceived(connection: 2, reply: .map(ack: late.ackValue)))
        #expect(!kept.contains(.commitChunk(late)), "the reader thread is gone: nothing is read")
        _ = core.handle(.ackReceived(connection: 1, reply: .map(ack: early.ackValue)))
        clock.advance(by: 0.6)
        _ = core.handle(.ackRegistered(chunkID: fresh, node: 1, connection: 3))
        _ = core.handle(.ackReceived(connection: 3, reply: .map(ack: fresh.ackValue)))
        // last_ack at 1.712 s: early's wait (deadline 1.5 s) expired with its ack unread, so node a is disabled and
        // the chunk rolled back; late's (1.5 s after 1.002 s) has not, and its ack is read, as is fresh's.
        clock.advance(by: 0.1)
        let last = core.handle(.lastAckRequested)
        #expect(logs(last) == ["no response from node. regard it as unavailable. host=\"a\" port=24224"])
        #expect(events(last).filter { $0.event == .disabled }.map(\.node) == ["a:24224"])
        #expect(last.contains(.rollbackChunk(early)) && last.contains(.commitChunk(late)) && last.contains(.commitChunk(fresh)))
        #expect(last.last == .lastAckDone)
        #expect(!core.isAvailable(0) && core.isAvailable(1))
    }

    @Test func lastAckWithNothingReadableWaitsOnePassAndWithoutAcksIsDoneAtOnce() {
        let clock = VirtualClock()
        var core = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) { $0.requireAckResponse = true }
        _ = core.handle(.ackReaderStarted)
        _ = core.handle(.ackReaderStopping)
        clock.advance(by: 0.5)
        // The shutdown joins a reader still in its pass: last_ack begins at once and, nothing being readable, its
        // select waits the whole interval.
        let pass = 1 + AckReaderLoop.passOverhead
        #expect(core.handle(.lastAckRequested) == [.armAckReader(after: pass)])
        clock.advance(by: pass)
        #expect(core.handle(.ackCheckTimerFired) == [.lastAckDone])
        #expect(!core.ackReader.running && !core.ackReader.halted && !core.ackReader.lastPass)

        var plain = makeCore([ForwarderNodeConfig(host: "a")], clock: clock)
        _ = plain.handle(.ackReaderStopping)
        #expect(plain.handle(.lastAckRequested) == [.lastAckDone])
    }

    @Test("last_ack waits for in_forward's event loop to exit, 0.5 s after the stop began, only with acks")
    func lastAckWaitsForTheInputsEventLoop() {
        let clock = VirtualClock()
        let acking = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) { $0.requireAckResponse = true }
        #expect(acking.lastAckDelay(stopBegan: 10, now: 10) == 0.5)
        #expect(acking.lastAckDelay(stopBegan: 10, now: 10.25) == 0.25)
        // A force_flush that outlasted the input's exit: last_ack follows it at once.
        #expect(acking.lastAckDelay(stopBegan: 10, now: 12) == 0)
        let plain = makeCore([ForwarderNodeConfig(host: "a")], clock: clock)
        #expect(plain.lastAckDelay(stopBegan: 10, now: 10) == 0)
    }

    @Test("the output closes 0.5 s after last_ack began (its event loop's exit), at once after a last_ack that waited longer")
    func closeWaitsForTheOutputsEventLoop() {
        let clock = VirtualClock()
        let acking = makeCore([ForwarderNodeConfig(host: "a")], clock: clock) { $0.requireAckResponse = true }
        // last_ack read an ack already in the socket (the reload in rpc-flush-reload): close 0.5 s after it began.
        #expect(abs(acking.closeDelay(lastAckBegan: 10, now: 10.001) - 0.499) < 1e-9)
        // last_ack's select waited its whole interval (1 s, nothing readable): close at once.
        #expect(acking.closeDelay(lastAckBegan: 10, now: 11) == 0)
        let plain = makeCore([ForwarderNodeConfig(host: "a")], clock: clock)
        #expect(plain.closeDelay(lastAckBegan: 10, now: 10) == 0)
    }
}
