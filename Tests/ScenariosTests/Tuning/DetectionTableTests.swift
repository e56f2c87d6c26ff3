import Agent
import Foundation
import Testing

@testable import Scenarios

/// docs/forward-protocol.md, "Detection time", "Recovery": the engine's Fluentd-exact detection times on a clean network.
@Suite struct DetectionTableTests {
    @Test(arguments: [(0.5, 36.5), (1.0, 37.0), (2.0, 38.0), (5.0, 45.0), (10.0, 50.0)])
    func idleDetectionMatchesTable(h: Double, expected: Double) {
        let p = DetectionPredictor.predict(heartbeatInterval: h, phiThreshold: 16)
        #expect(abs(p.latencyAfterLastHeartbeat - expected) < 1e-6, "h=\(h): \(p.latencyAfterLastHeartbeat)")
        #expect(p.cause == .phi)
        #expect(abs(DetectionPredictor.fluentdIdleFormula(heartbeatInterval: h, phiThreshold: 16) - expected) < 1e-9)
    }

    @Test func phiAtDetachIsJustAboveThreshold() {
        let p = DetectionPredictor.predict(heartbeatInterval: 1, phiThreshold: 16)
        #expect(abs((p.phi ?? 0) - 16.07) < 0.01)
    }

    @Test func udpHeartbeatsGiveTheSameIdleTime() {
        let p = DetectionPredictor.predict(heartbeatInterval: 1, phiThreshold: 16, heartbeatType: .udp)
        #expect(abs(p.latencyAfterLastHeartbeat - 37) < 1e-6)
    }

    @Test func oneSendAfterEachHeartbeatGives19Seconds() {
        let p = DetectionPredictor.predict(heartbeatInterval: 1, phiThreshold: 16, flushInterval: 1, sendOffset: 0.1)
        #expect(abs(p.latencyAfterLastHeartbeat - 19) < 1e-6, "\(p)")
        #expect(p.cause == .phi)
    }

    @Test func frequentSendsWithLongIntervalLeaveOnlyHardTimeout() {
        let p = DetectionPredictor.predict(heartbeatInterval: 5, phiThreshold: 16, flushInterval: 0.5, sendOffset: 0.1)
        #expect(p.cause == .hardTimeout)
        #expect(p.latencyAfterLastHeartbeat > 60 && p.latencyAfterLastHeartbeat <= 65, "\(p)")
    }

    @Test func phiDisabledDetachesAtHardTimeout() {
        let p = DetectionPredictor.predict(heartbeatInterval: 1, phiThreshold: 16, phiFailureDetector: false)
        #expect(p.cause == .hardTimeout)
        #expect(abs(p.latencyAfterLastHeartbeat - 61) < 1e-6)
    }

    @Test func deadFromTheStartDetachesAbout37SecondsAfterConfigure() {
        var sim = VirtualNetworkSimulation()
        let spec = SimulationRunSpec(model: .clean, heartbeatInterval: 1, lanes: [LaneSpec(threshold: 16)], duration: 0, seed: 0, death: .at(0))
        let out = sim.run(spec)
        #expect(out.lanes[0].detectionLatency == 37)
    }

    @Test func thresholdZeroDetachesOnTheFirstTick() {
        // UDP: the tick runs before the reply, so Δ > 0. (A zero-RTT transport heartbeat lands exactly at the tick,
        // Δ = 0 and phi = 0; real Ruby re-reads the clock microseconds later.)
        var model = NetworkModel.clean
        model.heartbeatType = .udp
        var sim = VirtualNetworkSimulation()
        let spec = SimulationRunSpec(model: model, heartbeatInterval: 1, lanes: [LaneSpec(threshold: 0)], duration: 30, seed: 0, death: .never)
        let out = sim.run(spec)
        #expect(out.lanes[0].firstFalseDetach == 1)
    }

    @Test func heartbeatTypeNoneNeverDetaches() {
        let p = DetectionPredictor.predict(heartbeatInterval: 1, phiThreshold: 16, heartbeatType: .none)
        #expect(p.cause == nil)
        #expect(p.latencyAfterDeath == .infinity)
    }

    /// The engine drives NodeHealth directly; ForwarderCore (the whole decision logic) must agree on the detach time.
    @Test(arguments: [1.0, 2.0, 5.0])
    func engineAgreesWithForwarderCore(h: Double) {
        let deathAt = 100 * h + 0.001
        var settings = ForwarderSettings()
        settings.heartbeatInterval = h
        settings.seed = 1
        let clock = VirtualClock(wall: 1_700_000_000)
        var core = ForwarderCore(settings: settings, nodes: [ForwarderNodeConfig(host: "127.0.0.1")], clock: clock)
        var out: [ForwarderDirective] = []
        var detachedAt: Double?
        for k in 1...400 {
            clock.set(wall: 1_700_000_000 + Double(k) * h)
            let t = Double(k) * h
            out.removeAll(keepingCapacity: true)
            core.runHeartbeatRound(into: &out) { _ in t < deathAt }
            let detached = out.contains {
                if case .emitEvent(let e) = $0 { return e.event == .detached }
                return false
            }
            if detached {
                detachedAt = t
                break
            }
        }
        var sim = VirtualNetworkSimulation()
        let spec = SimulationRunSpec(model: .clean, heartbeatInterval: h, lanes: [LaneSpec(threshold: 16)], duration: deathAt, seed: 0, death: .at(deathAt))
        let engine = sim.run(spec)
        let engineDetach = deathAt + (engine.lanes[0].detectionLatency ?? .nan)
        #expect(detachedAt != nil)
        #expect(abs(engineDetach - (detachedAt ?? 0)) < 1e-6, "core \(detachedAt ?? -1) engine \(engineDetach)")
    }
}
