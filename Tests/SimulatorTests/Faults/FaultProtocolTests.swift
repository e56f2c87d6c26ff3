import Foundation
import ForwardProtocol
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
}
