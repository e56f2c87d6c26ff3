import ForwardProtocol
import ForwardServer
import Foundation
import NIOCore
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Simulator

@Suite("Faults: seeds, parameters, log")
struct FaultDeterminismTests {
    /// Feeds 500 heartbeats and 200 acks through an engine and returns its decisions in order.
    func decisions(seed: UInt64) throws -> [String] {
        let engine = FaultEngine(receiver: "r", seed: seed)
        try engine.add(FaultSpec(kind: "heartbeat_drop", probability: 0.3))
        try engine.add(FaultSpec(kind: "heartbeat_burst_loss", params: ["p": 0.1, "r": 0.3]))
        try engine.add(FaultSpec(kind: "ack_delay", params: ["distribution": "normal", "mean": "1s", "stddev": "200ms"], probability: 0.5))
        try engine.add(FaultSpec(kind: "ack_wrong_id", probability: 0.2))
        let peer = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        let conn = ReceiverConnectionInfo(receiver: "r", id: 1, peer: "127.0.0.1:5000", peerIP: "127.0.0.1", isTLS: false)
        var out: [String] = []
        for i in 0 ..< 500 {
            out.append(FaultEngine.describe(engine.onHeartbeat(from: peer, byteCount: 1)))
            if i < 200 {
                let request = ReceivedRequestInfo(connection: conn, sequence: i, tag: "t", mode: .packedForward, eventCount: 1,
                                                  chunkID: chunkID(i), wantsAck: true, frameLength: 100)
                switch engine.beforeAck(request) {
                case let .replace(b): out.append("replace \(Array(b.readableBytesView))")
                case let d: out.append(FaultEngine.describe(d))
                }
            }
        }
        return out
    }

    @Test("same seed → same fault sequence; another seed → another sequence")
    func sameSeedSameSequence() throws {
        let a = try decisions(seed: 1234), b = try decisions(seed: 1234), c = try decisions(seed: 1235)
        #expect(a == b)
        #expect(a != c)
        #expect(a.filter { $0 == "drop" }.count > 100)
    }

    @Test("a fault's stream depends on its name, not on the other faults installed")
    func independentStreams() throws {
        let peer = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        func pattern(_ extra: Bool) throws -> [Bool] {
            let engine = FaultEngine(receiver: "r", seed: 9)
            if extra { try engine.add(FaultSpec(kind: "ack_drop", probability: 0.5)) }
            try engine.add(FaultSpec(kind: "heartbeat_drop", probability: 0.5))
            return (0 ..< 200).map { _ in if case .drop = engine.onHeartbeat(from: peer, byteCount: 1) { return true } else { return false } }
        }
        #expect(try pattern(false) == pattern(true))
    }

    @Test("bad parameters are refused with the kind and the parameter named")
    func badParameters() throws {
        let engine = FaultEngine(receiver: "r", seed: 1)
        #expect(throws: FaultError.unknownKind("nope")) { try engine.add(FaultSpec(kind: "nope")) }
        #expect(throws: FaultError.unknownParameter(kind: "ack_drop", name: "probabilty")) {
            try engine.add(FaultSpec(kind: "ack_drop", params: ["probabilty": 0.5]))
        }
        #expect(throws: FaultError.missingParameter(kind: "slow_reader", name: "rate")) { try engine.add(FaultSpec(kind: "slow_reader")) }
        do {
            try engine.add(FaultSpec(kind: "latency", params: ["delay": "soon"]))
            Issue.record("accepted a bad duration")
        } catch let e as FaultError {
            #expect(e.description.contains("'delay'") && e.description.contains("expected a duration such as 200ms"), "\(e)")
        }
        // One duration rule: a bare number is refused (it used to mean milliseconds here and seconds in a scenario).
        do {
            try engine.add(FaultSpec(kind: "latency", params: ["delay": 200]))
            Issue.record("accepted a duration without a unit")
        } catch let e as FaultError {
            #expect(e.description.contains("'delay'") && e.description.contains("a duration needs a unit: write 200s or 200ms"), "\(e)")
        }
        #expect(throws: FaultError.self) { try engine.add(FaultSpec(kind: "ack_drop", probability: 1.5)) }
        try engine.add(FaultSpec(kind: "ack_drop"))
        #expect(throws: FaultError.duplicateName(receiver: "r", name: "ack_drop")) { try engine.add(FaultSpec(kind: "ack_drop")) }
        // Every catalogue kind builds from its defaults or names its missing parameter.
        for type in FaultCatalogue.types {
            do { _ = try type.init(parameters: [:]) } catch let e as FaultError {
                guard case .missingParameter = e else { Issue.record("\(type.kind): \(e)"); continue }
            }
        }
    }

    @Test("disable/enable at run time, start_after/duration windows, and the log's clocks")
    func switching() async throws {
        let engine = FaultEngine(receiver: "r", seed: 1)
        let peer = try SocketAddress(ipAddress: "127.0.0.1", port: 5000)
        try engine.add(FaultSpec(kind: "heartbeat_drop"))
        #expect(engine.onHeartbeat(from: peer, byteCount: 1).isDrop)
        try engine.setEnabled("heartbeat_drop", false)
        #expect(!engine.onHeartbeat(from: peer, byteCount: 1).isDrop)
        // Blocking sleeps: a suspended task may resume late when other suites block the pool.
        try engine.update("heartbeat_drop", enabled: true, startAfterNanos: 100_000_000, durationNanos: .some(200_000_000))
        #expect(!engine.onHeartbeat(from: peer, byteCount: 1).isDrop)
        usleep(200_000)
        #expect(engine.onHeartbeat(from: peer, byteCount: 1).isDrop)
        usleep(200_000)
        #expect(!engine.onHeartbeat(from: peer, byteCount: 1).isDrop)
        let log = engine.log.entries()
        try #require(log.count == 2)
        #expect(log.map(\.index) == [0, 1])
        #expect(log[1].monotonicNanos > log[0].monotonicNanos && log[1].wallNanos > log[0].wallNanos)
        #expect(log.allSatisfy { $0.receiver == "r" && $0.hook == "heartbeat" && $0.decision == "drop" })
        let json = try JSONEncoder().encode(log[0])
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"monotonic_ns\"") && text.contains("\"wall_ns\""))
    }
}

extension ReceiverHeartbeatDecision {
    var isDrop: Bool { if case .drop = self { return true } else { return false } }
}
