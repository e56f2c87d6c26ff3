import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import Foundation
import NIOCore
import Testing

@testable import Simulator

@Suite("Faults: handshake")
struct FaultProtocolTests {
    static let security = ReceiverSecurity(selfHostname: "recv.local", sharedKey: "secret")

    @Test("shared_key_mismatch: a correct PING is answered with PONG false 'shared_key mismatch'")
    func sharedKeyMismatch() async throws {
        try await withFaults([FaultSpec(kind: "shared_key_mismatch")], configure: { $0.security = Self.security }) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            let heloBytes = try #require(client.readMessage(timeout: 2))
            let helo = try Helo(try MessagePackValue.decode(ByteBuffer(bytes: heloBytes)))
            var ping = ByteBuffer()
            Ping(helo: helo, clientHostname: "client.local", sharedKeySalt: String(repeating: "ab", count: 16),
                 sharedKey: "secret", username: "", password: "").encode(into: &ping)
            client.send(ping)
            let pong = try Pong(try MessagePackValue.decode(ByteBuffer(bytes: try #require(client.readMessage(timeout: 2)))))
            #expect(pong == Pong.failure("shared_key mismatch"))
        }
    }

    @Test("helo_malformed variants are what the client reads first")
    func malformedHelo() async throws {
        for variant in MalformedHeloFault.Variant.allCases where variant != .garbage {
            try await withFaults([FaultSpec(kind: "helo_malformed", params: ["variant": .string(variant.rawValue)])],
                                 configure: { $0.security = Self.security }) { receiver, _ in
                let client = try RawClient(port: receiver.port)
                var random = FaultRandom(seed: 0)
                let expected = Array(MalformedHeloFault.bytes(variant, random: &random).readableBytesView)
                let got = client.read(count: expected.count, timeout: 2)
                #expect(got == expected, "variant \(variant)")
                if variant == .notArray {
                    #expect(throws: (any Error).self) { try Helo(try MessagePackValue.decode(ByteBuffer(bytes: got))) }
                }
            }
        }
    }

    /// PING for `helo` with the shared key "secret".
    static func ping(_ helo: Helo) -> ByteBuffer {
        var ping = ByteBuffer()
        Ping(helo: helo, clientHostname: "client.local", sharedKeySalt: String(repeating: "ab", count: 16),
             sharedKey: "secret", username: "", password: "").encode(into: &ping)
        return ping
    }

    @Test("helo_split 3 × 80 ms: the HELO arrives as 3 separate reads 80 ± 15 ms apart; reassembled it is a valid HELO and the handshake completes")
    func splitHelo() async throws {
        let spec = FaultSpec(kind: "helo_split", params: ["segments": 3, "delay": "80ms"])
        try await withFaults([spec], configure: { $0.security = Self.security }) { receiver, engine in
            let client = try RawClient(port: receiver.port)
            var pieces: [(bytes: [UInt8], atMs: Double)] = []
            let t0 = MonotonicClock.nowNanos()
            for _ in 0 ..< 3 {
                guard case let .data(d) = client.readSome(timeout: 1) else { break }
                pieces.append((d, ms(MonotonicClock.nowNanos() - t0)))
            }
            print("helo_split: pieces \(pieces.map { "\($0.bytes.count) B at \($0.atMs) ms" })")
            try #require(pieces.count == 3)
            for i in 1 ..< 3 {
                let gap = pieces[i].atMs - pieces[i - 1].atMs
                #expect(abs(gap - 80) <= 15, "gap \(i): \(gap) ms")
            }
            let sizes = pieces.map(\.bytes.count)
            #expect(sizes.max()! - sizes.min()! <= 1, "nearly equal pieces: \(sizes)")
            // No piece alone is a complete message.
            var scanner = MessagePackFrameScanner()
            if case .frame = try scanner.scan(ByteBuffer(bytes: pieces[0].bytes + pieces[1].bytes)) {
                Issue.record("two of three pieces already made a whole message")
            }
            let helo = try Helo(try MessagePackValue.decode(ByteBuffer(bytes: pieces.flatMap(\.bytes))))
            client.send(Self.ping(helo))
            let pong = try Pong(try MessagePackValue.decode(ByteBuffer(bytes: try #require(client.readMessage(timeout: 2)))))
            #expect(pong.authResult)
            #expect(timedAck(client, seq: 1, chunk: chunkID(1)).0 == Wire.ack(chunkID(1)))
            #expect(engine.log.entries(since: 0, limit: 10).map(\.decision) == ["split into 3 segments 80ms apart"])
        }
    }

    @Test("helo_split message=pong: the PONG arrives in 2 reads; reassembled it is the success PONG")
    func splitPong() async throws {
        let spec = FaultSpec(kind: "helo_split", params: ["message": "pong", "delay": "60ms"])
        try await withFaults([spec], configure: { $0.security = Self.security }) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            let helo = try Helo(try MessagePackValue.decode(ByteBuffer(bytes: try #require(client.readMessage(timeout: 2)))))
            client.send(Self.ping(helo))
            guard case let .data(first) = client.readSome(timeout: 1) else { Issue.record("no PONG"); return }
            let t0 = MonotonicClock.nowNanos()
            guard case let .data(second) = client.readSome(timeout: 1) else { Issue.record("PONG not complete"); return }
            let gap = ms(MonotonicClock.nowNanos() - t0)
            print("helo_split pong: \(first.count) B, then \(second.count) B \(gap) ms later")
            #expect(abs(gap - 60) <= 15)
            #expect(try Pong(try MessagePackValue.decode(ByteBuffer(bytes: first + second))).authResult)
        }
    }
}
