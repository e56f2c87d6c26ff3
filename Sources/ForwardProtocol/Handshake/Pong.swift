import NIOCore

/// The server's verdict `["PONG", ok, reason, server_hostname, digest]` (docs/forward-protocol.md, "Handshake messages").
public struct Pong: Sendable, Equatable {
    public var authResult: Bool
    public var reason: String
    public var serverHostname: String
    public var sharedKeyHexdigest: String

    public init(authResult: Bool, reason: String, serverHostname: String, sharedKeyHexdigest: String) {
        self.authResult = authResult
        self.reason = reason
        self.serverHostname = serverHostname
        self.sharedKeyHexdigest = sharedKeyHexdigest
    }

    /// A successful PONG: digest = SHA-512(client_salt ‖ server_hostname ‖ nonce ‖ shared_key).
    public static func success(ping: Ping, serverHostname: String, nonce: [UInt8], sharedKey: String) -> Pong {
        Pong(authResult: true, reason: "", serverHostname: serverHostname,
             sharedKeyHexdigest: HandshakeDigest.sharedKey(
                 salt: Array(ping.sharedKeySalt.utf8), hostname: serverHostname, nonce: nonce, sharedKey: sharedKey))
    }

    /// A failing PONG: `["PONG", false, reason, "", ""]`.
    public static func failure(_ reason: String) -> Pong {
        Pong(authResult: false, reason: reason, serverHostname: "", sharedKeyHexdigest: "")
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeMessagePackArrayHeader(count: 5)
        buffer.writeMessagePackString("PONG")
        buffer.writeMessagePackBool(authResult)
        buffer.writeMessagePackString(reason)
        buffer.writeMessagePackString(serverHostname)
        buffer.writeMessagePackString(sharedKeyHexdigest)
    }

    /// Parses a PONG: a 5-element array starting with "PONG" (else "invalid format for PONG message").
    public init(_ value: MessagePackValue) throws {
        guard let a = value.arrayValue, a.count == 5, a[0].stringValue == "PONG" else {
            throw ForwardProtocolError.handshake("invalid format for PONG message")
        }
        if case let .bool(ok) = a[1] { authResult = ok } else { authResult = a[1].isTruthy }
        reason = a[2].stringValue ?? ""
        serverHostname = a[3].stringValue ?? ""
        sharedKeyHexdigest = a[4].stringValue ?? ""
    }

    /// The client-side checks (docs/forward-protocol.md, "Client-side checks"), in Fluentd's order, with its messages.
    public func verify(clientSelfHostname: String, clientSalt: String, nonce: [UInt8], sharedKey: String) throws {
        guard authResult else { throw ForwardProtocolError.handshake("authentication failed: \(reason)") }
        guard serverHostname != clientSelfHostname else {
            throw ForwardProtocolError.handshake("same hostname between input and output: invalid configuration")
        }
        let expected = HandshakeDigest.sharedKey(salt: Array(clientSalt.utf8), hostname: serverHostname, nonce: nonce, sharedKey: sharedKey)
        guard HandshakeDigest.constantTimeEquals(expected, sharedKeyHexdigest) else {
            throw ForwardProtocolError.handshake("shared key mismatch")
        }
    }
}
