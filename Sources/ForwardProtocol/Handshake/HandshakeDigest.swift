import Crypto

/// The SHA-512 digests of the `<security>` handshake (docs/forward-protocol.md, "Handshake messages"), as lowercase hex.
public enum HandshakeDigest {
    /// PING's shared-key digest: SHA-512(salt ‖ client_hostname ‖ nonce ‖ shared_key).
    /// PONG uses the same function with the server's hostname in place of the client's.
    public static func sharedKey(salt: [UInt8], hostname: String, nonce: [UInt8], sharedKey: String) -> String {
        digest([salt, Array(hostname.utf8), nonce, Array(sharedKey.utf8)])
    }

    /// PING's password digest: SHA-512(auth_salt ‖ username ‖ password).
    public static func password(authSalt: [UInt8], username: String, password: String) -> String {
        digest([authSalt, Array(username.utf8), Array(password.utf8)])
    }

    /// Compares two digests in time independent of where they differ (better than Fluentd, quirk 14 in docs/quirks.md).
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0 ..< x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    static func digest(_ parts: [[UInt8]]) -> String {
        var h = SHA512()
        for p in parts { h.update(data: p) }
        return h.finalize().map { hex($0) }.joined()
    }
}
