import ForwardProtocol
import Logging

/// Everything a `ForwardReceiver` needs: in_forward's parameters (listed in docs/agent-parameters.md) plus harness options.
public struct ReceiverSettings: Sendable {
    /// How `chunk_size_limit` / `chunk_size_warn_limit` measure a message.
    public enum ChunkSizeAccounting: Sendable {
        /// Fluentd's per-read counter handed to the first message completing in a read (docs/forward-protocol.md, "Chunk size limits"; quirk 23 in docs/quirks.md).
        case perRead
        /// The better behaviour: the message's own encoded length.
        case perMessage
    }

    /// Receiver name, reported in logs and on every ledger event.
    public var name: String
    /// Bind address (in_forward's default is 0.0.0.0; the in-process default is loopback).
    public var bind: String
    /// TCP and UDP port; 0 picks an ephemeral port (read it back from the handle).
    public var port: Int
    /// Listen backlog; nil keeps NIO's default.
    public var backlog: Int?
    /// SO_LINGER seconds on listening and accepted sockets; 0 (Fluentd's default) makes close send RST (docs/forward-protocol.md, "Server socket options").
    /// nil leaves SO_LINGER off (ordinary FIN close).
    public var lingerTimeout: Int?
    /// Close every connection after its first event message (after writing its ack) (docs/forward-protocol.md, "Keepalive and the socket cache").
    public var denyKeepalive: Bool
    /// SO_KEEPALIVE on accepted sockets.
    public var sendKeepalivePacket: Bool
    /// TCP_NODELAY on accepted sockets (Fluentd does not set it; benchmarks may).
    public var tcpNoDelay: Bool
    /// The largest read per connection, in bytes (NIO's adaptive receive buffer grows up to it;
    /// `fwdlab_read_buffer_limit`). Large reads take a large request in one piece, without copying; smaller ones bound
    /// what a connection holds while the agent's buffer is full (docs/agent-parameters.md, "Memory").
    public var readBufferLimit: Int
    /// What `fwdlab_read_buffer_limit` may be set to.
    public static let readBufferLimitRange = 4096...(64 << 20)
    /// Why `limit` cannot be a `fwdlab_read_buffer_limit`, or nil when it can (one message for both config readers).
    public static func readBufferLimitProblem(_ limit: Int) -> String? {
        readBufferLimitRange.contains(limit) ? nil : "'fwdlab_read_buffer_limit' must be between 4k and 64m, got \(limit) bytes"
    }
    /// Drop (without ack) messages whose counted size exceeds this (docs/forward-protocol.md, "Chunk size limits").
    public var chunkSizeLimit: Int?
    /// Warn about messages whose counted size exceeds this.
    public var chunkSizeWarnLimit: Int?
    public var chunkSizeAccounting: ChunkSizeAccounting
    /// Drop invalid events with a warning, still ack (docs/forward-protocol.md, "Invalid events"); default false, true
    /// under the 1.19 profile (`adopt`).
    public var skipInvalidEvent: Bool
    /// Write the peer IP into every record under this key (visible when the ledger keeps records).
    public var sourceAddressKey: String?
    /// Replace the incoming tag.
    public var tag: String?
    /// Prefix the (possibly replaced) tag with `"<prefix>."`.
    public var addTagPrefix: String?
    /// `<security>`: run the HELO/PING/PONG handshake on every connection.
    public var security: ReceiverSecurity?
    /// `<transport tls>`: serve TLS instead of plain TCP.
    public var tls: ReceiverTLSSettings?
    /// Answer UDP heartbeats on the same port (in_forward always does).
    public var udpHeartbeat: Bool
    /// After a failed PONG, close with FIN even when linger is 0, so the client reads the reason (quirk 12).
    public var gracefulHandshakeClose: Bool
    /// Bounds for the MessagePack scanner (EventTime-only ext types, as Fluentd's decoder).
    public var limits: MessagePackLimits
    /// Maximum inflated size of one CompressedPackedForward request (HEAD's decompression_size_limit).
    public var maxDecompressedSize: Int
    /// The in_forward release this receiver behaves as where releases differ (docs/fluentd-model.md, "Release profiles").
    public var profile: FluentdReleaseProfile
    /// Ledger options (sequence field, JSON-lines file, ...).
    public var ledger: LedgerSettings
    /// Fault-injection hook points (nil: behave like in_forward).
    public var hooks: (any ReceiverFaultHooks)?
    public var logger: Logger

    public init(name: String = "receiver", bind: String = "127.0.0.1", port: Int = 0) {
        self.name = name
        self.bind = bind
        self.port = port
        backlog = nil
        lingerTimeout = 0
        denyKeepalive = false
        sendKeepalivePacket = false
        tcpNoDelay = false
        readBufferLimit = 1 << 20
        chunkSizeLimit = nil
        chunkSizeWarnLimit = nil
        chunkSizeAccounting = .perRead
        skipInvalidEvent = false
        sourceAddressKey = nil
        tag = nil
        addTagPrefix = nil
        security = nil
        tls = nil
        udpHeartbeat = true
        gracefulHandshakeClose = false
        limits = MessagePackLimits(maxDepth: 64, maxFrameLength: 256 << 20, maxContainerCount: 16 << 20,
                                   eventTimeExtensionOnly: true)
        maxDecompressedSize = 256 << 20
        profile = .default
        ledger = LedgerSettings()
        hooks = nil
        var l = Logger(label: "fwdlab.receiver.\(name)")
        l[metadataKey: "receiver"] = .string(name)
        logger = l
    }

    /// Behaves as `profile`'s in_forward, with that release's parameter defaults (`skip_invalid_event`); set explicit
    /// parameters after this.
    public mutating func adopt(_ profile: FluentdReleaseProfile) {
        self.profile = profile
        skipInvalidEvent = profile.skipInvalidEventDefault
    }

    /// Checks combinations in_forward rejects at configure time.
    public func validate() throws {
        if denyKeepalive && sendKeepalivePacket {
            throw ReceiverError.configuration("'deny_keepalive' and 'send_keepalive_packet' cannot be both true")
        }
        if let t = tag, t.isEmpty { throw ReceiverError.configuration("'tag' parameter must not be empty") }
        if let p = addTagPrefix, p.isEmpty { throw ReceiverError.configuration("'add_tag_prefix' parameter must not be empty") }
        if !(0 ... 65535).contains(port) { throw ReceiverError.configuration("port \(port) out of range") }
        try security?.validate()
        try tls?.validate()
    }
}
