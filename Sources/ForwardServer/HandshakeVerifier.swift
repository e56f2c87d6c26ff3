import ForwardProtocol
import NIOCore

/// in_forward's PING checks, in its order and with its reasons (docs/forward-protocol.md, "Server-side PING checks").
enum HandshakeVerifier {
    enum Verdict {
        case success(Ping, sharedKey: String)
        /// `reason` goes into the PONG; `log` is Fluentd's warning text.
        case failure(reason: String, log: String, hostname: String?)
    }

    static func check(frame: ByteBuffer, peerIP: String, nonce: [UInt8], authSalt: [UInt8],
                      security: ReceiverSecurity, limits: MessagePackLimits) -> Verdict {
        // 1. Shape: a 6-element array starting with "PING". Anything else, including event data
        //    from a client without <security>, is "invalid ping message" (docs/forward-protocol.md, "When the handshake runs").
        guard let value = try? MessagePackValue.decode(frame, limits: limits), let ping = try? Ping(value) else {
            return .failure(reason: "invalid ping message", log: "invalid ping message", hostname: nil)
        }
        // 2. Client address matching.
        let client = security.client(for: peerIP)
        if client == nil && !security.allowAnonymousSource {
            return .failure(reason: "anonymous source host '\(peerIP)' denied", log: "Anonymous client disallowed",
                            hostname: ping.clientHostname)
        }
        // 3. Shared key: the matched client's, else the section's.
        let sharedKey = client?.sharedKey ?? security.sharedKey
        let expected = HandshakeDigest.sharedKey(salt: Array(ping.sharedKeySalt.utf8), hostname: ping.clientHostname,
                                                 nonce: nonce, sharedKey: sharedKey)
        guard HandshakeDigest.constantTimeEquals(expected, ping.sharedKeyHexdigest) else {
            return .failure(reason: "shared_key mismatch", log: "Shared key mismatch", hostname: ping.clientHostname)
        }
        // 4. Users, restricted to the client's list when it has one.
        if security.userAuth {
            let allowed = client?.users ?? []
            let candidates = security.users.filter {
                $0.username == ping.username && (allowed.isEmpty || allowed.contains($0.username))
            }
            let ok = candidates.contains {
                HandshakeDigest.constantTimeEquals(
                    HandshakeDigest.password(authSalt: authSalt, username: ping.username, password: $0.password),
                    ping.passwordHexdigest)
            }
            guard ok else {
                return .failure(reason: "username/password mismatch", log: "Authentication failed", hostname: ping.clientHostname)
            }
        }
        return .success(ping, sharedKey: sharedKey)
    }
}
