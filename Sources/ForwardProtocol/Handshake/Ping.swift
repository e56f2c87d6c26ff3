import NIOCore

/// The client's answer `["PING", hostname, salt, digest, username, password_digest]` (docs/forward-protocol.md, "Handshake messages").
public struct Ping: Sendable, Equatable {
    public var clientHostname: String
    /// 32 lowercase hex characters, sent as a str.
    public var sharedKeySalt: String
    public var sharedKeyHexdigest: String
    public var username: String
    public var passwordHexdigest: String

    public init(clientHostname: String, sharedKeySalt: String, sharedKeyHexdigest: String, username: String, passwordHexdigest: String) {
        self.clientHostname = clientHostname
        self.sharedKeySalt = sharedKeySalt
        self.sharedKeyHexdigest = sharedKeyHexdigest
        self.username = username
        self.passwordHexdigest = passwordHexdigest
    }

    /// Builds the PING out_forward sends for a HELO: digests over raw bytes, and the user digest
    /// whenever HELO carried a non-empty auth salt (docs/forward-protocol.md, "Handshake messages").
    public init(helo: Helo, clientHostname: String, sharedKeySalt: String, sharedKey: String, username: String, password: String) {
        self.clientHostname = clientHostname
        self.sharedKeySalt = sharedKeySalt
        self.sharedKeyHexdigest = HandshakeDigest.sharedKey(
            salt: Array(sharedKeySalt.utf8), hostname: clientHostname, nonce: helo.nonce, sharedKey: sharedKey)
        if helo.auth.isEmpty {
            self.username = ""
            self.passwordHexdigest = ""
        } else {
            self.username = username
            self.passwordHexdigest = HandshakeDigest.password(authSalt: helo.auth, username: username, password: password)
        }
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeMessagePackArrayHeader(count: 6)
        for s in ["PING", clientHostname, sharedKeySalt, sharedKeyHexdigest, username, passwordHexdigest] {
            buffer.writeMessagePackString(s)
        }
    }

    /// Parses a PING as in_forward does: a 6-element array starting with "PING", else
    /// "invalid ping message" (docs/forward-protocol.md, "Server-side PING checks", step 1).
    public init(_ value: MessagePackValue) throws {
        guard let a = value.arrayValue, a.count == 6, a[0].stringValue == "PING",
              let host = a[1].stringValue, let salt = a[2].stringValue, let digest = a[3].stringValue,
              let user = a[4].stringValue, let pass = a[5].stringValue else {
            throw ForwardProtocolError.handshake("invalid ping message")
        }
        clientHostname = host
        sharedKeySalt = salt
        sharedKeyHexdigest = digest
        username = user
        passwordHexdigest = pass
    }
}
