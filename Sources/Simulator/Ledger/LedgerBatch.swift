import ForwardProtocol
import NIOCore

/// The events of one request, handed to the ledger in one call (one lock acquisition per request).
///
/// Connections keep one batch and reuse its arrays, so steady-state ingestion allocates nothing per event.
struct LedgerBatch {
    var tag = ByteBuffer()
    var peer: UInt32 = 0
    /// The encoded `chunk` option value, if any.
    var chunk: ByteBuffer?
    var mode: ForwardMode = .packedForward
    var arrivalMonotonicNanos: UInt64 = 0
    var arrivalWallNanos: Int64 = 0
    var slots: [LedgerSlot] = []
    /// Encoded records, parallel to `slots`, only when the ledger keeps records.
    var records: [[UInt8]] = []

    mutating func reset() {
        slots.removeAll(keepingCapacity: true)
        records.removeAll(keepingCapacity: true)
        chunk = nil
    }
}
