import ForwardProtocol
import NIOCore
#if DEBUG || FUZZING
@testable import ForwardServer
#endif

/// The shared-key handshake (Sources/ForwardProtocol/Handshake): HELO, PING and PONG as each side decodes them, the
/// receiver's PING checks, and the answers built from what was decoded.
enum HandshakeTarget {
    static let nonce: [UInt8] = Array("fuzz-nonce-16byt".utf8)
    static let authSalt: [UInt8] = Array("fuzz-auth-salt16".utf8)
    static let sharedKey = "fuzz-shared-key"
    static let clientHostname = "fuzz-client"
    static let serverHostname = "fuzz-server"

    static let target = FuzzTarget(
        name: "handshake",
        summary: "frames decoded as HELO / PING / PONG (both sides), the receiver's PING checks (shared key, users, "
            + "client networks), PING and PONG built from them and read back",
        run: { data in ForwardTargets.forEachServerFrame(data) { handle($0) } },
        seeds: { Seeds.handshakes() })

    static func handle(_ frame: ByteBuffer) {
        #if DEBUG || FUZZING
        for security in securities {
            let verdict = HandshakeVerifier.check(frame: frame, peerIP: "127.0.0.1", nonce: nonce, authSalt: authSalt,
                                                  security: security, limits: ForwardTargets.serverLimits)
            if case let .success(ping, key) = verdict {
                // The client must accept the PONG the receiver answers with.
                let pong = Pong.success(ping: ping, serverHostname: serverHostname, nonce: nonce, sharedKey: key)
                var encoded = ByteBuffer()
                pong.encode(into: &encoded)
                guard let value = try? MessagePackValue.decode(encoded), let back = try? Pong(value) else {
                    fuzzCheck(false, "an encoded PONG does not decode")
                    return
                }
                fuzzCheck(back == pong, "PONG changed in a round trip")
                if ping.clientHostname != serverHostname {
                    do {
                        try back.verify(clientSelfHostname: ping.clientHostname, clientSalt: ping.sharedKeySalt, nonce: nonce, sharedKey: key)
                    } catch {
                        fuzzCheck(false, "the client rejects the receiver's PONG for an accepted PING: \(error)")
                    }
                }
            }
        }
        #endif
        guard let value = try? MessagePackValue.decode(frame, limits: ForwardTargets.serverLimits) else { return }
        if let helo = try? Helo(value) {
            // The agent answers a HELO with a PING; the receiver must read it back as sent.
            let ping = Ping(helo: helo, clientHostname: clientHostname, sharedKeySalt: "salt", sharedKey: sharedKey,
                            username: helo.auth.isEmpty ? "" : "user", password: helo.auth.isEmpty ? "" : "pass")
            var encoded = ByteBuffer()
            ping.encode(into: &encoded)
            let back = (try? MessagePackValue.decode(encoded)).flatMap { try? Ping($0) }
            fuzzCheck(back == ping, "PING changed in a round trip")
            var heloBytes = ByteBuffer()
            helo.encode(into: &heloBytes)
            let heloBack = (try? MessagePackValue.decode(heloBytes)).flatMap { try? Helo($0) }
            fuzzCheck(heloBack == helo, "HELO changed in a round trip")
        }
        if let ping = try? Ping(value) {
            var encoded = ByteBuffer()
            ping.encode(into: &encoded)
            _ = (try? MessagePackValue.decode(encoded)).flatMap { try? Ping($0) }
        }
        if let pong = try? Pong(value) {
            _ = try? pong.verify(clientSelfHostname: clientHostname, clientSalt: "salt", nonce: nonce, sharedKey: sharedKey)
        }
        _ = ForwardAck.ackedChunk(in: value)
    }

    #if DEBUG || FUZZING
    static let securities: [ReceiverSecurity] = {
        let local = (try? ClientAddressMatcher(network: "127.0.0.0/8")).map { ReceiverSecurity.Client(match: $0, sharedKey: "client-key", users: ["user"]) }
        return [
            ReceiverSecurity(selfHostname: serverHostname, sharedKey: sharedKey),
            ReceiverSecurity(selfHostname: serverHostname, sharedKey: sharedKey, userAuth: true, allowAnonymousSource: false,
                             users: [.init(username: "user", password: "pass")], clients: local.map { [$0] } ?? []),
        ]
    }()
    #endif
}
