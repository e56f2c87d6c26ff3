import ForwardProtocol
import NIOCore

/// The events of one validated request, handed to the sink in one call (one lock acquisition per request).
///
/// Connections keep one batch and reuse its arrays, so steady-state ingestion allocates nothing per event.
public struct IngestBatch: Sendable {
    /// The tag after `tag` / `add_tag_prefix`.
    public var tag = ByteBuffer()
    /// The peer's id from `ForwardIngestSink.registerPeer`.
    public var peer: UInt32 = 0
    /// The encoded `chunk` option value, if any.
    public var chunk: ByteBuffer?
    public var mode: ForwardMode = .packedForward
    public var arrivalMonotonicNanos: UInt64 = 0
    public var arrivalWallNanos: Int64 = 0
    /// One slot per accepted event (invalid or nil-record events already removed).
    public var slots: [IngestSlot] = []
    /// Encoded records, parallel to `slots`, only when `LedgerSettings.keepRecords` is on.
    public var records: [[UInt8]] = []
    /// The encoded metadata map of each event whose time was Fluent Bit 5's `[time, metadata]` (empty for the
    /// others), parallel to `records` and kept with them.
    public var metadata: [[UInt8]] = []
    /// The accepted events as concatenated `[time, record]` entries, ready to buffer, only when the sink
    /// `wantsEntries`. PackedForward blobs pass through without a copy; the other modes are re-encoded once
    /// per request, with Fluentd's normalisation applied (docs/forward-protocol.md, "Request processing").
    public var entries = ByteBuffer()

    public init() {}

    /// The tag as text.
    public var tagString: String { String(buffer: tag) }

    mutating func reset() {
        slots.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        metadata.removeAll(keepingCapacity: true)
        chunk = nil
        entries = ByteBuffer()
    }
}
