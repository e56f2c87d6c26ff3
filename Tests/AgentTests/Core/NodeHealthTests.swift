import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

@Suite struct NodeHealthTests {
    private func makeHealth(h: Double = 1, configure: Double = 1_000, _ tweak: (inout NodeHealthSettings) -> Void = { _ in }) -> NodeHealth {
        var s = NodeHealthSettings()
        s.heartbeatInterval = h
        tweak(&s)
        return NodeHealth(node: 3, settings: s, detector: DetectorKind.fluentd.makeDetector(heartbeatInterval: h, configureTime: configure))
    }

    /// Runs heartbeats+ticks every second from `from` for `count` seconds; returns the first transition.
    private func beat(_ health: inout NodeHealth, from: Double, count: Int) -> (NodeTransition, Int)? {
        for k in 0..<count {
            let now = from + Double(k)
            if let t = health.heartbeat(detect: true, now: now) { return (t, k + 1) }
            _ = health.tick(now: now)
        }
        return nil
    }

    @Test func recoversOnEleventhHeartbeatAfterDetach() {
        // docs/forward-protocol.md, "Recovery": after a tick-detach the 11th consecutive heartbeat recovers.
        var health = makeHealth()
        var detach: NodeTransition?
        for k in 1...100 where detach == nil { detach = health.tick(now: 1_000 + Double(k)) }
        #expect(detach?.event == .detached)
        #expect(health.state == .detached)
        // Clear-and-reset loop while unavailable (quirk 4 (docs/quirks.md)): window stays empty.
        _ = health.tick(now: 1_200)
        #expect(health.sampleCount == 0)
        let result = beat(&health, from: 1_300, count: 30)
        #expect(result?.1 == 11)
        #expect(result?.0.cause == .recovered(samples: 11))
        #expect(result?.0.node == 3)
        #expect(health.isAvailable && health.state == .available)
    }

    @Test func recoveringStateAndRestartAfterLongGap() {
        var health = makeHealth()
        _ = health.disable(cause: .hardTimeout, now: 1_000)
        var h2 = makeHealth()
        for k in 1...40 where h2.isAvailable { _ = h2.tick(now: 1_000 + Double(k)) }
        #expect(!h2.isAvailable)
        _ = h2.heartbeat(detect: true, now: 2_000)
        #expect(h2.state == .recovering)
        // A gap longer than hard_timeout clears the count (docs/forward-protocol.md, "Recovery").
        _ = h2.tick(now: 2_061)
        #expect(h2.sampleCount == 0 && h2.state == .detached)
        _ = health
    }

    @Test func sendSamplesNeverRecover() {
        var health = makeHealth()
        _ = health.disable(cause: .ackTimeout, now: 1_000)
        for k in 1...50 { #expect(health.heartbeat(detect: false, now: 1_000 + Double(k)) == nil) }
        #expect(!health.isAvailable)
    }

    @Test func ackDisableIsUndoneByNextHeartbeat() {
        // docs/forward-protocol.md, "Recovery": disable paths keep the window; a node with > 10 samples recovers on the next heartbeat.
        var health = makeHealth()
        _ = beat(&health, from: 1_001, count: 20)
        let disabled = health.disable(cause: .ackTimeout, now: 1_021)
        #expect(disabled?.event == .disabled && disabled?.cause == .ackTimeout)
        #expect(health.disable(cause: .ackTimeout, now: 1_021) == nil)  // no change, no record
        let back = health.heartbeat(detect: true, now: 1_022)
        #expect(back?.event == .recovered)
    }

    @Test func clearWindowOnDisableRequiresFullRecovery() {
        var health = makeHealth { $0.clearWindowOnDisable = true }
        _ = beat(&health, from: 1_001, count: 20)
        _ = health.disable(cause: .peerClosedBeforeAck, now: 1_021)
        let result = beat(&health, from: 1_022, count: 30)
        #expect(result?.1 == 11)
    }

    @Test func heartbeatTypeNoneIsAlwaysAvailable() {
        var health = makeHealth { $0.alwaysAvailable = true }
        #expect(health.disable(cause: .handshakeFailed(reason: "shared key mismatch"), now: 1_001) == nil)
        #expect(health.tick(now: 1_000_000) == nil)
        #expect(health.isAvailable)
        #expect(health.heartbeat(detect: true, now: 1_000_001) == nil)
    }

    @Test func recoverCountFollowsInterval() {
        // recover_wait / h: h = 0.5 → 20 → needs 21 samples; h = 3 → 3.33 → needs 4.
        var s = NodeHealthSettings()
        s.heartbeatInterval = 0.5
        #expect(s.recoverSampleSize == 20)
        s.heartbeatInterval = 3
        var health = NodeHealth(node: 0, settings: s, detector: DetectorKind.fluentd.makeDetector(heartbeatInterval: 3, configureTime: 0))
        for k in 1...200 where health.isAvailable { _ = health.tick(now: Double(k * 3)) }
        #expect(!health.isAvailable)
        var n = 0
        while !health.isAvailable && n < 20 {
            n += 1
            _ = health.heartbeat(detect: true, now: 1_000 + Double(n * 3))
        }
        #expect(n == 4)
    }

    @Test func variantDetectorsIgnoreSendSamples() {
        var s = NodeHealthSettings()
        s.phiThreshold = 8
        var health = NodeHealth(node: 0, settings: s, detector: DetectorKind.exponential.makeDetector(heartbeatInterval: 5, configureTime: 0))
        for k in 1...20 {
            _ = health.heartbeat(detect: true, now: Double(k * 5))
            for j in 1...9 { _ = health.heartbeat(detect: false, now: Double(k * 5) + Double(j) * 0.5) }
        }
        #expect(health.sampleCount == 21)
        // Mean stays 5 s: phi = Δ / (5 ln 10) is positive.
        #expect(health.phi(now: 110) > 0)
    }

    @Test func normalDetectorRisesWithSilence() {
        var d = NormalPhiDetector(parameters: .init(minStdDeviation: 0.1), initialLast: 0)
        for k in 1...100 { d.add(now: Double(k)) }
        let early = d.phi(now: 100.5)
        let late = d.phi(now: 103)
        #expect(early < 1)
        #expect(late > 8)
        d.clear()
        #expect(d.phi(now: 1_000) == 0 && d.sampleCount == 0)
    }

    @Test func exponentialGuardsNonPositiveMean() {
        var d = ExponentialPhiDetector(heartbeatInterval: 1, initialLast: 100)
        d.add(now: 50)  // negative gap (clock step back)
        d.add(now: 10)
        #expect(d.phi(now: 20) > 0)
        #expect(d.phi(now: 20).isFinite)
    }
}
