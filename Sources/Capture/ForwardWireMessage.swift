/// What one complete MessagePack object on a forward connection was.
public enum ForwardWireMessageKind: String, Sendable, Codable, CaseIterable {
    case message, forward, packedForward, compressedPackedForward
    case ping, helo, pong, ack
    /// A top-level nil (the reserved TCP heartbeat request).
    case heartbeatNil
    /// A complete object the server would reject or that we cannot classify.
    case broken
}

/// One forward-protocol message decoded from a reassembled stream.
public struct ForwardWireMessage: Sendable, Equatable, Codable {
    public var kind: ForwardWireMessageKind
    public var direction: TCPDirection
    /// Time of the packet that completed the message (ns since the epoch).
    public var time: Int64
    /// Offset of the message's first byte in its direction's stream.
    public var streamOffset: UInt64
    /// Encoded length in bytes.
    public var length: Int
    public var tag: String?
    /// Events carried (counted from the bytes; for compressed requests the `size` option).
    public var entries: Int?
    /// The `size` option as sent.
    public var sizeOption: Int64?
    /// The `compressed` option as sent.
    public var compressed: String?
    /// The `chunk` option (requests) or the `ack` value (acks).
    public var chunk: String?
    /// PONG's auth result; HELO's keepalive.
    public var flag: Bool?
    /// Why a message is `broken`, or a PONG's failure reason / PING's hostname.
    public var note: String?

    public init(kind: ForwardWireMessageKind, direction: TCPDirection, time: Int64, streamOffset: UInt64, length: Int) {
        self.kind = kind
        self.direction = direction
        self.time = time
        self.streamOffset = streamOffset
        self.length = length
    }

    /// True for the four event-carrying modes.
    public var isRequest: Bool {
        switch kind {
        case .message, .forward, .packedForward, .compressedPackedForward: return true
        default: return false
        }
    }
}
