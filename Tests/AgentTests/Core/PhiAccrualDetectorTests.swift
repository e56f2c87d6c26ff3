import Foundation
import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

/// The formula of docs/forward-protocol.md, "Phi formula", written naively over a plain array, for comparison with the ring buffer.
private struct NaiveFluentdDetector {
    var h: Double
    var window: [Int64]
    var last: Double

    init(h: Double, last: Double) {
        self.h = h
        self.window = [Int64(h * 1e6)]
        self.last = last
    }

    mutating func add(_ now: Double) {
        if window.isEmpty {
            window.append(Int64(h * 1e6))
        } else {
            window.append(Int64((now - last) * 1e6))
            if window.count > 1000 { window.removeFirst() }
        }
        last = now
    }

    func phi(_ now: Double) -> Double {
        if window.isEmpty { return 0 }
        var mean: Int64 = 0
        var fact: Int64 = 0
        for (i, g) in window.enumerated() {
            mean += g * Int64(i + 1)
            fact += Int64(i + 1)
        }
        // Ruby Integer#/ floors.
        var q = mean / fact
        if mean % fact != 0 && (mean < 0) != (fact < 0) { q -= 1 }
        let m = (Double(q) / 1e6) - h + 1
        let t = now - last - h + 1
        return (1.0 / log(10.0)) * t / m
    }
}

/// Drives one node like Fluentd's heartbeat timer: per tick, optional heartbeat then `tick`.
private struct TimerHarness {
    var health: NodeHealth
    let t0: Double
    let h: Double

    init(h: Double, configure: Double = 1_700_000_000, settings: (inout NodeHealthSettings) -> Void = { _ in }) {
        var s = NodeHealthSettings()
        s.heartbeatInterval = h
        settings(&s)
        self.h = h
        self.t0 = configure
        health = NodeHealth(node: 0, settings: s,
                            detector: DetectorKind.fluentd.makeDetector(heartbeatInterval: h, configureTime: configure))
    }

    func time(_ k: Int) -> Double { t0 + Double(k) * h }
}

@Suite struct PhiAccrualDetectorTests {
    @Test func initialStateFollowsConfigure() {
        let d = PhiAccrualDetector(heartbeatInterval: 1, initialLast: 1_700_000_000)
        #expect(d.window == [1_000_000])
        #expect(d.last == 1_700_000_000)
        let made = DetectorKind.fluentd.makeDetector(heartbeatInterval: 0.5, configureTime: 1_700_000_000.7)
        #expect(made.last == 1_700_000_000)  // floor(configure time)
        if case .fluentd(let f) = made { #expect(f.window == [500_000]) } else { Issue.record("wrong kind") }
    }

    @Test func clearEmptiesAndResets() {
        var d = PhiAccrualDetector(heartbeatInterval: 2, initialLast: 100)
        d.add(now: 102)
        d.clear()
        #expect(d.sampleCount == 0)
        #expect(d.last == 0)
        #expect(d.phi(now: 1000) == 0)
        d.add(now: 500)  // empty window → initial gap, last = now
        #expect(d.window == [2_000_000])
        #expect(d.last == 500)
    }

    @Test func windowIsCappedAt1000() {
        var d = PhiAccrualDetector(heartbeatInterval: 1, initialLast: 0)
        for k in 1...1500 { d.add(now: Double(k) * 0.25) }
        #expect(d.sampleCount == 1000)
        #expect(d.window.allSatisfy { $0 == 250_000 })
    }

    @Test func ringBufferIsBitIdenticalToNaiveFormula() {
        var rng = SeededRandom(seed: 42)
        for h in [0.5, 1.0, 2.0, 5.0] {
            var fast = PhiAccrualDetector(heartbeatInterval: h, initialLast: 1_700_000_000)
            var slow = NaiveFluentdDetector(h: h, last: 1_700_000_000)
            var now = 1_700_000_000.0
            for step in 0..<2600 {
                // Mostly positive gaps, some zero/negative (clock steps), some long.
                let r = rng.nextUnit()
                let gap: Double = r < 0.05 ? -rng.nextUnit() * 3 : (r < 0.1 ? rng.nextUnit() * 120 : rng.nextUnit() * 2 * h)
                now += gap
                if step % 700 == 699 { fast.clear(); slow.window = []; slow.last = 0 }
                fast.add(now: now)
                slow.add(now)
                let probe = now + rng.nextUnit() * 50
                #expect(fast.window == slow.window)
                #expect(fast.phi(now: probe).bitPattern == slow.phi(probe).bitPattern)
            }
        }
    }

    @Test func steadyHistoryPhiValues() {
        // docs/forward-protocol.md, "Detection time": phi at t0+36 ≈ 15.63, at t0+37 ≈ 16.07.
        var d = PhiAccrualDetector(heartbeatInterval: 1, initialLast: 0)
        for k in 1...100 { d.add(now: Double(k)) }
        #expect(abs(d.phi(now: 136) - 15.635) < 0.001)
        #expect(abs(d.phi(now: 137) - 16.069) < 0.001)
    }

    @Test func hugeAndNonFiniteGapsDoNotCrash() {
        var d = PhiAccrualDetector(heartbeatInterval: 1, initialLast: 0)
        d.add(now: .infinity)
        d.add(now: .nan)
        d.add(now: 1e300)
        d.add(now: -1e300)
        _ = d.phi(now: 5)
        #expect(d.sampleCount == 5)
    }

    @Test(arguments: [(1.0, 37.0), (0.5, 36.5), (2.0, 38.0), (5.0, 45.0), (10.0, 50.0)])
    func detectionTimeTable(h: Double, expected: Double) {
        // docs/forward-protocol.md, "Detection time": steady heartbeats every h until t0, then silence; ticks every h.
        var sim = TimerHarness(h: h)
        let stopTick = Int((200 / h).rounded())
        var detachedAt: Double?
        var cause: TransitionCause?
        for k in 1...(stopTick + Int(200 / h)) {
            let now = sim.time(k)
            if k <= stopTick { _ = sim.health.heartbeat(detect: true, now: now) }
            if let t = sim.health.tick(now: now) {
                detachedAt = now
                cause = t.cause
                break
            }
        }
        let t0 = sim.time(stopTick)
        #expect(detachedAt.map { $0 - t0 } == expected)
        if case .phi(let value, let threshold)? = cause {
            #expect(value > 16 && threshold == 16)
        } else {
            Issue.record("expected a phi detach, got \(String(describing: cause))")
        }
    }

    @Test func sendsAfterEachHeartbeatHalveTheMean() {
        // docs/forward-protocol.md, "Detection time": one send 0.1 s after each heartbeat → gaps 0.9/0.1 → detach 19 s after the last heartbeat.
        var sim = TimerHarness(h: 1)
        let stopTick = 100
        var detachedAt: Double?
        for k in 1...300 {
            let now = sim.time(k)
            if k <= stopTick { _ = sim.health.heartbeat(detect: true, now: now) }
            if let _ = sim.health.tick(now: now) { detachedAt = now; break }
            if k <= stopTick { _ = sim.health.heartbeat(detect: false, now: now + 0.1) }
        }
        #expect(detachedAt.map { $0 - sim.time(stopTick) } == 19)
    }

    @Test func frequentSendsWithLongIntervalMakePhiNegative() {
        // docs/forward-protocol.md, "Detection time"; quirk 2 in docs/quirks.md: h = 5 and a send every 0.5 s → shifted mean ≤ 0; after traffic stops phi is negative
        // and only hard_timeout detaches.
        var sim = TimerHarness(h: 5)
        let stopTick = 40
        var negativeSeen = false
        var detach: NodeTransition?
        var lastSample = 0.0
        for k in 1...100 {
            let now = sim.time(k)
            if k <= stopTick {
                _ = sim.health.heartbeat(detect: true, now: now)
                lastSample = now
            }
            if let t = sim.health.tick(now: now) { detach = t; break }
            if k > stopTick, sim.health.phi(now: now) < 0 { negativeSeen = true }
            if k < stopTick {
                for s in 1...9 {
                    _ = sim.health.heartbeat(detect: false, now: now + Double(s) * 0.5)
                    lastSample = now + Double(s) * 0.5
                }
            }
        }
        #expect(negativeSeen)
        #expect(detach?.cause == .hardTimeout)
        if let detach { #expect(detach.time - lastSample > 60 && detach.time - lastSample <= 65) }
    }

    @Test(arguments: [(0.3, 37.0), (0.9, 36.0)])
    func deadFromStart(fraction: Double, expected: Double) {
        // docs/forward-protocol.md, "Detection time": never any heartbeat; detach ≈ 37 s after configure (up to 1 s earlier due to flooring).
        let configure = 1_700_000_000 + fraction
        var health = NodeHealth(node: 0, settings: NodeHealthSettings(),
                                detector: DetectorKind.fluentd.makeDetector(heartbeatInterval: 1, configureTime: configure))
        var detachedAfter: Double?
        for k in 1...100 {
            if health.tick(now: configure + Double(k)) != nil { detachedAfter = Double(k); break }
        }
        #expect(detachedAfter == expected)
    }

    @Test func hardTimeoutOnlyWhenPhiDisabled() {
        // docs/forward-protocol.md, "Detection time": phi_failure_detector false → first tick with Δ > 60, cause hard_timeout.
        var sim = TimerHarness(h: 1) { $0.phiFailureDetector = false }
        var detach: NodeTransition?
        for k in 1...200 {
            let now = sim.time(k)
            if k <= 50 { _ = sim.health.heartbeat(detect: true, now: now) }
            if let t = sim.health.tick(now: now) { detach = t; break }
        }
        #expect(detach?.cause == .hardTimeout)
        #expect(detach.map { $0.time - sim.time(50) } == 61)
        #expect(detach?.phi == nil)
    }

    @Test func thresholdZero() {
        // docs/forward-protocol.md, "Tick" with a server that is down: the very first tick detaches; with phi off it stays available.
        var on = TimerHarness(h: 1) { $0.phiThreshold = 0 }
        #expect(on.health.tick(now: on.time(1))?.event == .detached)
        var off = TimerHarness(h: 1) { $0.phiThreshold = 0; $0.phiFailureDetector = false }
        #expect(off.health.tick(now: off.time(1)) == nil)
        #expect(off.health.isAvailable)
    }
}
