import ForwardServer
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Simulator

@Suite("Faults: UDP heartbeats")
struct FaultHeartbeatTests {
    /// 4σ binomial bounds on the number of losses among `n` heartbeats lost with probability `p`.
    func bounds(_ n: Int, _ p: Double) -> ClosedRange<Double> {
        let sigma = (Double(n) * p * (1 - p)).squareRoot()
        return (Double(n) * p - 4 * sigma) ... (Double(n) * p + 4 * sigma)
    }

    @Test("heartbeat_drop p=0.3 over 2000 heartbeats: losses within 4σ of the binomial mean")
    func randomLoss() async throws {
        for direction in ["request", "reply"] {
            try await withFaults([FaultSpec(kind: "heartbeat_drop", params: ["direction": .string(direction)], probability: 0.3)]) { receiver, engine in
                let n = 2000
                let replies = UDPProbe(port: receiver.port).exchange(count: n)
                let lost = Double(n - replies)
                print("heartbeat_drop \(direction) p=0.3: lost \(Int(lost))/\(n) = \(lost / Double(n)) (4σ band \(bounds(n, 0.3)))")
                #expect(bounds(n, 0.3).contains(lost))
                // Every loss the client saw is in the fault log, and nothing else.
                let applied = try engine.status("heartbeat_drop").applied
                #expect(applied == n - replies)
            }
        }
    }

    @Test("Gilbert–Elliott loss: long-run ratio near (r·k + p·h)/(p + r), losses come in bursts")
    func burstyLoss() async throws {
        let spec = FaultSpec(kind: "heartbeat_burst_loss", params: ["p": 0.05, "r": 0.25, "loss_bad": 1.0])
        try await withFaults([spec]) { receiver, engine in
            let n = 2000
            let probe = UDPProbe(port: receiver.port)
            // One at a time so the loss pattern is observable in order.
            var pattern: [Bool] = []
            for _ in 0 ..< n {
                probe.send()
                pattern.append(probe.receive(timeout: 0.005) == nil)
            }
            let lost = pattern.filter { $0 }.count
            let expected = HeartbeatBurstLossFault(p: 0.05, r: 0.25).expectedLoss
            var runs: [Int] = []
            var current = 0
            for l in pattern { if l { current += 1 } else if current > 0 { runs.append(current); current = 0 } }
            if current > 0 { runs.append(current) }
            let meanBurst = Double(lost) / Double(max(1, runs.count))
            print("heartbeat_burst_loss p=0.05 r=0.25: lost \(lost)/\(n) (expected \(expected)), \(runs.count) bursts, mean burst \(meanBurst) (expected \(1 / 0.25))")
            #expect(abs(Double(lost) / Double(n) - expected) < 0.06)
            #expect(meanBurst > 2.5 && meanBurst < 6)
            let applied = try engine.status("heartbeat_burst_loss").applied
            #expect(applied == lost)
        }
    }

    @Test("blackout window: no reply inside [100 ms, 400 ms) after activation, replies outside")
    func blackout() async throws {
        try await withFaults([]) { receiver, engine in
            let probe = UDPProbe(port: receiver.port)
            // Installed here, not before the receiver starts, so the window is measured from now.
            try engine.add(FaultSpec(kind: "heartbeat_blackout", params: ["offset": "100ms", "length": "300ms"]))
            let activation = MonotonicClock.nowNanos()
            var samples: [(Double, Bool)] = []
            while ms(MonotonicClock.nowNanos() - activation) < 550 {
                let t = ms(MonotonicClock.nowNanos() - activation)
                probe.send()
                samples.append((t, probe.receive(timeout: 0.03) != nil))
                usleep(10_000) // blocking on purpose: a suspended task may resume late on a busy pool
            }
            // `t` is the send time; the receiver sees the probe a little later (more on a loaded machine), never
            // earlier. So a probe sent just before an edge may be judged on the far side of it: leave 20 ms before
            // each edge, and 2–5 ms after it for clock granularity.
            for (t, answered) in samples {
                if t > 102 && t < 380 { #expect(!answered, "answered at \(t) ms") }
                if t < 80 || t > 405 { #expect(answered, "lost at \(t) ms") }
            }
            #expect(samples.contains { !$0.1 } && samples.contains { $0.1 })
        }
    }

    @Test("wrong source port: replies arrive, but not from the receiver's port")
    func wrongPort() async throws {
        try await withFaults([FaultSpec(kind: "heartbeat_wrong_port")]) { receiver, _ in
            let probe = UDPProbe(port: receiver.port)
            for _ in 0 ..< 3 {
                probe.send()
                let from = try #require(probe.receive(timeout: 2))
                #expect(from != receiver.port)
            }
        }
    }
}
