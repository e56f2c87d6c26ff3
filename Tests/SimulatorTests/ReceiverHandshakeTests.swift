import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import NIOCore
import Simulator
import Testing

@Suite("Receiver: <security> handshake (docs/forward-protocol.md, 'Handshake')")
struct ReceiverHandshakeTests {
    static let salt = "0123456789abcdef0123456789abcdef"

    /// Reads HELO, sends PING, returns (helo, pong bytes).
    func handshake(_ client: RawClient, hostname: String = "client.local", sharedKey: String,
                   username: String = "", password: String = "") throws -> (Helo, [UInt8]?) {
        let heloBytes = try #require(client.readMessage(timeout: 5))
        let helo = try Helo(try MessagePackValue.decode(ByteBuffer(bytes: heloBytes)))
        let ping = Ping(helo: helo, clientHostname: hostname, sharedKeySalt: Self.salt, sharedKey: sharedKey,
                        username: username, password: password)
        var b = ByteBuffer()
        ping.encode(into: &b)
        client.send(b)
        return (helo, client.readMessage(timeout: 5))
    }

    func failurePong(_ reason: String) -> [UInt8] {
        var b = ByteBuffer()
        Pong.failure(reason).encode(into: &b)
        return Array(b.readableBytesView)
    }

    @Test("HELO shape, successful PONG digest, then data is acked")
    func success() async throws {
        try await withReceiver({ $0.security = ReceiverSecurity(selfHostname: "server.local", sharedKey: "secret") }) { receiver in
            let client = try RawClient(port: receiver.port)
            let (helo, pongBytes) = try handshake(client, sharedKey: "secret")
            #expect(helo.nonce.count == 16 && helo.auth.count == 16 && helo.keepalive)
            let pong = try Pong(try MessagePackValue.decode(ByteBuffer(bytes: try #require(pongBytes))))
            #expect(pong.authResult && pong.reason == "" && pong.serverHostname == "server.local")
            try pong.verify(clientSelfHostname: "client.local", clientSalt: Self.salt, nonce: helo.nonce, sharedKey: "secret")
            client.send(Wire.packed(seqs: [1], chunk: "h1"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("h1"))
            #expect(receiver.stats.snapshot().handshakesSucceeded == 1)
        }
    }

    @Test("HELO bytes are bin8 nonce/auth and keepalive false with deny_keepalive")
    func heloBytes() async throws {
        try await withReceiver({
            $0.security = ReceiverSecurity(selfHostname: "s", sharedKey: "k"); $0.denyKeepalive = true
        }) { receiver in
            let client = try RawClient(port: receiver.port)
            let helo = try #require(client.readMessage(timeout: 5))
            #expect(Array(helo[0 ..< 15]) == Wire.hex("92a448454c4f83a56e6f6e6365c410"))
            #expect(helo.last == 0xc2)
            #expect(helo.count == 65)
        }
    }

    @Test("Failures: exact PONG reasons in the order of docs/forward-protocol.md, 'Server-side PING checks', then close",
          arguments: ["invalid", "anonymous", "sharedkey", "user", "clientkey"])
    func failures(_ kind: String) async throws {
        try await withReceiver({
            var sec = ReceiverSecurity(selfHostname: "server.local", sharedKey: "secret", userAuth: true,
                                       users: [.init(username: "alice", password: "pw"), .init(username: "bob", password: "pw2")])
            switch kind {
            case "anonymous":
                sec.allowAnonymousSource = false
                sec.clients = [.init(match: try! ClientAddressMatcher(network: "10.0.0.0/8"))]
            case "clientkey":
                sec.clients = [.init(match: try! ClientAddressMatcher(network: "127.0.0.0/8"), sharedKey: "per-client", users: ["bob"])]
            default: break
            }
            $0.security = sec
            $0.gracefulHandshakeClose = true
        }) { receiver in
            let client = try RawClient(port: receiver.port)
            let expected: [UInt8]
            switch kind {
            case "invalid":
                _ = try #require(client.readMessage(timeout: 5))
                client.send(Wire.packed(seqs: [1], chunk: "x"))
                expected = failurePong("invalid ping message")
                #expect(client.readMessage(timeout: 5) == expected)
            case "anonymous":
                let (_, pong) = try handshake(client, sharedKey: "secret", username: "alice", password: "pw")
                #expect(pong == failurePong("anonymous source host '127.0.0.1' denied"))
            case "sharedkey":
                let (_, pong) = try handshake(client, sharedKey: "wrong", username: "alice", password: "pw")
                #expect(pong == failurePong("shared_key mismatch"))
            case "user":
                let (_, pong) = try handshake(client, sharedKey: "secret", username: "alice", password: "nope")
                #expect(pong == failurePong("username/password mismatch"))
            default:
                // The matched <client>'s own key wins, and its users list restricts who may log in.
                let (_, pong) = try handshake(client, sharedKey: "per-client", username: "alice", password: "pw")
                #expect(pong == failurePong("username/password mismatch"))
                let other = try RawClient(port: receiver.port)
                let (helo, ok) = try handshake(other, sharedKey: "per-client", username: "bob", password: "pw2")
                let pong2 = try Pong(try MessagePackValue.decode(ByteBuffer(bytes: try #require(ok))))
                try pong2.verify(clientSelfHostname: "client.local", clientSalt: Self.salt, nonce: helo.nonce, sharedKey: "per-client")
            }
            #expect(client.waitForClose(timeout: 5))
            #expect(receiver.ledger.count == 0)
            #expect(receiver.ledger.rejectionCountsByReason()[.handshake] == 1)
        }
    }

    @Test("Default linger 0: the failed PONG is followed by an RST (quirk 12, docs/quirks.md); either the PONG or the reset is seen")
    func failureWithReset() async throws {
        try await withReceiver({ $0.security = ReceiverSecurity(selfHostname: "s", sharedKey: "k") }) { receiver in
            let client = try RawClient(port: receiver.port)
            let (_, pong) = try handshake(client, sharedKey: "bad")
            if let pong { #expect(pong == failurePong("shared_key mismatch")) }
            #expect(client.waitForClose(timeout: 5))
        }
    }
}
