import Testing

@testable import Agent

/// The forwarder core's latency figures (NodeLatency): heartbeat round trips and ack latencies measured from the
/// events and the injected clock, in virtual time.
@Suite struct NodeLatencyTests {
    private func makeCore(_ nodes: [ForwarderNodeConfig] = [ForwarderNodeConfig(name: "a", host: "127.0.0.1")],
                          clock: VirtualClock, _ tweak: (inout ForwarderSettings) -> Void = { _ in }) -> ForwarderCore {
        var s = ForwarderSettings()
        s.seed = 42
        tweak(&s)
        return ForwarderCore(settings: s, nodes: nodes, clock: clock)
    }

    @Test("a histogram counts each reading in the first bucket whose bound is at or above it; cumulative ends with +Inf")
    func histogramBuckets() {
        var h = LatencyHistogram(bounds: [0.1, 0.01, 1, .nan, 0.1])
        #expect(h.bounds == [0.01, 0.1, 1])
        for v in [0.005, 0.01, 0.05, 0.5, 7, -3] { h.record(v) }
        h.record(.nan)
        h.record(.infinity)
        #expect(h.count == 6)
        #expect(abs(h.sum - 7.565) < 1e-12, "negative counts as 0, non-finite ignored: \(h.sum)")
        #expect(h.counts == [3, 1, 1, 1])
        #expect(h.cumulative.map(\.count) == [3, 4, 5, 6])
        #expect(h.cumulative.last?.le == .infinity)
    }

    @Test("transport heartbeat: the round trip runs from the probe's start to its success, in monotonic time")
    func heartbeatRoundTrip() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock)
        #expect(core.latency.count == 1)
        _ = core.handle(.heartbeatTimerFired)
        _ = core.handle(.heartbeatSent(node: 0))
        clock.advance(by: 0.004)
        _ = core.handle(.heartbeatReplied(node: 0))
        _ = core.handle(.heartbeatRoundCompleted)
        #expect(core.latency[0].heartbeatRTT.count == 1)
        #expect(abs((core.latency[0].lastHeartbeatRTT ?? -1) - 0.004) < 1e-9)
        // A second reply to the same request (a duplicated UDP datagram) and a probe answered from the keepalive
        // cache (no heartbeatSent) measure nothing.
        clock.advance(by: 0.5)
        _ = core.handle(.heartbeatReplied(node: 0))
        #expect(core.latency[0].heartbeatRTT.count == 1)
        // A wall-clock step does not reach the round trip (it reads the monotonic clock).
        _ = core.handle(.heartbeatSent(node: 0))
        clock.stepWall(by: -30)
        clock.advance(by: 0.02)
        _ = core.handle(.heartbeatReplied(node: 0))
        #expect(core.latency[0].heartbeatRTT.count == 2)
        #expect(abs((core.latency[0].lastHeartbeatRTT ?? -1) - 0.02) < 1e-9)
        #expect(abs(core.latency[0].heartbeatRTT.sum - 0.024) < 1e-9)
    }

    @Test("a failed probe measures nothing, and a reply after it is not matched to it")
    func failedProbe() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock) { $0.heartbeatType = .udp }
        _ = core.handle(.heartbeatSent(node: 0))
        clock.advance(by: 0.3)
        _ = core.handle(.heartbeatFailed(node: 0, error: "ECONNREFUSED", expected: true))
        _ = core.handle(.heartbeatReplied(node: 0))
        #expect(core.latency[0].heartbeatRTT.count == 0)
        #expect(core.latency[0].lastHeartbeatRTT == nil)
        // Unknown nodes are ignored.
        _ = core.handle(.heartbeatSent(node: 9))
        _ = core.handle(.heartbeatReplied(node: 9))
        #expect(core.latency.count == 1)
    }

    @Test("ack latency: chunk written (ackRegistered) to the matching ack read; failures measure nothing")
    func ackLatency() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock) { $0.requireAckResponse = true; $0.ackResponseTimeout = 5 }
        let ids = (1...4).map { ChunkID(high: 7, low: UInt64($0)) }
        _ = core.handle(.ackRegistered(chunkID: ids[0], node: 0, connection: 1))
        clock.advance(by: 0.25)
        _ = core.handle(.ackRegistered(chunkID: ids[1], node: 0, connection: 2))
        _ = core.handle(.ackRegistered(chunkID: ids[2], node: 0, connection: 3))
        _ = core.handle(.ackRegistered(chunkID: ids[3], node: 0, connection: 4))
        clock.advance(by: 0.05)
        let out = core.handle(.ackReceived(connection: 1, reply: .map(ack: ids[0].ackValue)))
        #expect(out.contains(.commitChunk(ids[0])))
        #expect(core.latency[0].ackLatency.count == 1)
        #expect(abs(core.latency[0].ackLatency.sum - 0.3) < 1e-9)
        _ = core.handle(.ackReceived(connection: 2, reply: .map(ack: "other")))
        _ = core.handle(.ackReceived(connection: 3, reply: .invalid("garbage")))
        _ = core.handle(.peerClosed(connection: 4))
        #expect(core.latency[0].ackLatency.count == 1, "unmatched, invalid and EOF are not acks")
        // An expired wait is not an ack either.
        _ = core.handle(.ackRegistered(chunkID: ids[0], node: 0, connection: 5))
        clock.advance(by: 6)
        _ = core.handle(.ackCheckTimerFired)
        _ = core.handle(.ackReceived(connection: 5, reply: .map(ack: ids[0].ackValue)))
        #expect(core.latency[0].ackLatency.count == 1)
    }

    @Test("with the ack reader running as Fluentd's, an ack that arrives during a pass not watching its connection is read (and measured) at the next pass")
    func ackReadAtNextPass() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock) { $0.requireAckResponse = true }
        #expect(core.settings.ackCheckInterval == 1)
        _ = core.handle(.ackReaderStarted)
        clock.advance(by: 0.1)
        let id = ChunkID(high: 1, low: 1)
        _ = core.handle(.ackRegistered(chunkID: id, node: 0, connection: 9))
        clock.advance(by: 0.2)
        let early = core.handle(.ackReceived(connection: 9, reply: .map(ack: id.ackValue)))
        #expect(!early.contains(.commitChunk(id)), "the running pass does not watch connection 9")
        #expect(core.latency[0].ackLatency.count == 0)
        clock.advance(by: 0.7)
        let late = core.handle(.ackCheckTimerFired)
        #expect(late.contains(.commitChunk(id)))
        #expect(core.latency[0].ackLatency.count == 1)
        #expect(abs(core.latency[0].ackLatency.sum - 0.9) < 1e-9, "\(core.latency[0].ackLatency.sum)")
    }

    @Test("a node brought in by service discovery gets its own figures at its index")
    func discoveredNodes() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock)
        let service = DiscoveredService(plugin: "file", host: "127.0.0.1", port: 2, name: "r2")
        _ = core.applyDiscovery([.serviceIn(service)])
        #expect(core.latency.count == core.nodes.count && core.nodes.count == 2)
        _ = core.handle(.heartbeatSent(node: 1))
        clock.advance(by: 0.001)
        _ = core.handle(.heartbeatReplied(node: 1))
        #expect(core.latency[1].heartbeatRTT.count == 1 && core.latency[0].heartbeatRTT.count == 0)
    }
}
