import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import Foundation
import Testing

@testable import Simulator

/// Latency faults measured by a client over loopback. Serialized so parallel suites do not add
/// scheduling noise to the measurements.
@Suite("Faults: latency", .serialized)
struct FaultLatencyTests {
    @Test("ack latency 200 ms fixed: every ack is observed 200 ms (+25 ms of scheduling slack) after the request")
    func ackLatencyFixed() async throws {
        try await withFaults([FaultSpec(kind: "latency", params: ["stage": "ack", "delay": "200ms"])]) { receiver, engine in
            let client = try RawClient(port: receiver.port)
            var observed: [Double] = []
            for i in 1 ... 4 {
                let (ack, elapsed) = timedAck(client, seq: i, chunk: chunkID(i))
                #expect(ack == Wire.ack(chunkID(i)))
                observed.append(elapsed)
            }
            print("latency ack 200ms fixed: observed \(observed.map { String(format: "%.2f", $0) }) ms")
            for o in observed { #expect(isInjectedDelay(o, 200), "observed \(o) ms") }
            #expect(try engine.status("latency").applied == 4)
        }
    }

    @Test("read latency 200 ms: bytes are held before decoding, so the ack comes 200 ms later (+25 ms slack)")
    func readLatency() async throws {
        try await withFaults([FaultSpec(kind: "latency", params: ["stage": "read", "delay": "200ms"])]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            let (ack, elapsed) = timedAck(client, seq: 1, chunk: chunkID(1))
            print("latency read 200ms fixed: observed \(String(format: "%.2f", elapsed)) ms")
            #expect(ack == Wire.ack(chunkID(1)))
            #expect(isInjectedDelay(elapsed, 200), "observed \(elapsed) ms")
        }
    }

    @Test("heartbeat latency 150 ms: each UDP reply arrives 150 ms after the heartbeat (+25 ms slack)")
    func heartbeatLatency() async throws {
        try await withFaults([FaultSpec(kind: "latency", params: ["stage": "heartbeat", "delay": "150ms"])]) { receiver, _ in
            let probe = UDPProbe(port: receiver.port)
            var observed: [Double] = []
            for _ in 0 ..< 4 {
                let t0 = MonotonicClock.nowNanos()
                probe.send()
                let from = probe.receive(timeout: 2)
                #expect(from == receiver.port)
                observed.append(ms(MonotonicClock.nowNanos() - t0))
            }
            print("latency heartbeat 150ms fixed: observed \(observed.map { String(format: "%.2f", $0) }) ms")
            for o in observed { #expect(isInjectedDelay(o, 150), "observed \(o) ms") }
        }
    }

    @Test("uniform 50–150 ms ack latency stays within its bounds (+25 ms slack) and spreads out")
    func uniformLatency() async throws {
        try await withFaults([FaultSpec(kind: "latency", params: ["distribution": "uniform", "min": "50ms", "max": "150ms"])]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            var observed: [Double] = []
            for i in 1 ... 6 {
                let (ack, elapsed) = timedAck(client, seq: i, chunk: chunkID(i))
                #expect(ack != nil)
                observed.append(elapsed)
            }
            print("latency ack uniform 50-150ms: observed \(observed.map { String(format: "%.1f", $0) }) ms")
            for o in observed { #expect(o >= 48 && o <= 175, "observed \(o) ms") }
            #expect((observed.max()! - observed.min()!) > 5)
        }
    }

    @Test("distributions sample what they claim (seeded, 20k draws)")
    func distributionMoments() throws {
        var random = FaultRandom(seed: 7)
        func draws(_ d: LatencyDistribution) -> [Double] { (0 ..< 20000).map { _ in Double(d.sample(using: &random)) / 1e6 } }
        let normal = draws(LatencyDistribution(.normal(meanNanos: 100_000_000, stddevNanos: 10_000_000)))
        let mean = normal.reduce(0, +) / Double(normal.count)
        let sd = (normal.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(normal.count)).squareRoot()
        #expect(abs(mean - 100) < 0.5 && abs(sd - 10) < 0.5)
        let pareto = draws(LatencyDistribution(.pareto(scaleNanos: 10_000_000, shape: 3)))
        #expect(pareto.min()! >= 10)
        // Mean of Pareto(xm, α) = α·xm/(α−1) = 15 ms.
        #expect(abs(pareto.reduce(0, +) / Double(pareto.count) - 15) < 0.6)
        let jittered = draws(LatencyDistribution(.fixed(nanos: 50_000_000), jitterNanos: 5_000_000))
        #expect(jittered.min()! >= 45 && jittered.max()! <= 55)
        let capped = draws(LatencyDistribution(.pareto(scaleNanos: 10_000_000, shape: 0.5), capNanos: 100_000_000))
        #expect(capped.max()! <= 100)
    }
}
