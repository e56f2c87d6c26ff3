/// A request the server did not accept, and why (for tests and reports).
public struct IngestRejection: Sendable, Hashable {
    /// Broad category; `detail` carries the specific message.
    public enum Reason: String, Sendable, Hashable, CaseIterable, Codable {
        /// Malformed MessagePack or JSON; connection closed.
        case malformed
        /// Well-formed but a shape Fluentd fails on (bad tag, short array, bad EventTime); connection closed.
        case badShape = "bad_shape"
        /// Top-level value that is not an array: "incoming chunk is broken", dropped, connection kept.
        case brokenChunk = "broken_chunk"
        /// Over `chunk_size_limit`: dropped without ack (docs/forward-protocol.md, "Chunk size limits").
        case chunkSizeLimit = "chunk_size_limit"
        /// Gzip data that does not inflate; connection closed.
        case decompression
        /// Message mode with a nil record: no emit, no ack (docs/forward-protocol.md, "Request processing", step 5).
        case nilRecord = "nil_record"
        /// Dropped by `skip_invalid_event` (events, not whole requests; the ack is still sent).
        case invalidEvent = "invalid_event"
        /// PING rejected (reason in `detail`).
        case handshake
        /// TLS handshake failure, e.g. a plaintext client on a TLS port.
        case tls
        /// Refused by a fault hook.
        case fault
        /// Refused by the sink (the agent's buffer is full): no ack, connection closed (docs/forward-protocol.md, "Request processing", step 7).
        case refused
        /// Other I/O error on the connection.
        case connectionError = "connection_error"
    }

    public var reason: Reason
    public var detail: String
    public var peer: String
    /// Monotonic nanoseconds when it happened.
    public var atMonotonicNanos: UInt64

    public init(reason: Reason, detail: String, peer: String, atMonotonicNanos: UInt64) {
        self.reason = reason
        self.detail = detail
        self.peer = peer
        self.atMonotonicNanos = atMonotonicNanos
    }
}
