import NIOCore

/// The server's greeting `["HELO", {"nonce", "auth", "keepalive"}]` (docs/forward-protocol.md, "Handshake messages").
public struct Helo: Sendable, Equatable {
    public var nonce: [UInt8]
    /// The user-auth salt; in_forward always sends one when security is on.
    public var auth: [UInt8]
    public var keepalive: Bool

    public init(nonce: [UInt8], auth: [UInt8], keepalive: Bool) {
        self.nonce = nonce
        self.auth = auth
        self.keepalive = keepalive
    }

    /// Encodes as in_forward does: nonce and auth as bin8.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeMessagePackArrayHeader(count: 2)
        buffer.writeMessagePackString("HELO")
        buffer.writeMessagePackMapHeader(count: 3)
        buffer.writeMessagePackString("nonce")
        buffer.writeMessagePackBinary(nonce)
        buffer.writeMessagePackString("auth")
        buffer.writeMessagePackBinary(auth)
        buffer.writeMessagePackString("keepalive")
        buffer.writeMessagePackBool(keepalive)
    }

    /// Parses a HELO as out_forward does (docs/forward-protocol.md, "Client-side checks"): a 2-element array starting with "HELO"; nonce and
    /// auth may be str or bin and default to empty; keepalive defaults to true.
    public init(_ value: MessagePackValue) throws {
        guard let a = value.arrayValue, a.count == 2, a[0].stringValue == "HELO" else {
            throw ForwardProtocolError.handshake("invalid format for HELO message")
        }
        nonce = a[1]["nonce"]?.bytesValue ?? []
        auth = a[1]["auth"]?.bytesValue ?? []
        if case let .bool(k)? = a[1]["keepalive"] { keepalive = k } else { keepalive = true }
    }
}
