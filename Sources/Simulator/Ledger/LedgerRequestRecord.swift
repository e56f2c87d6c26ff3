/// What all events of one request share; stored once per request.
struct LedgerRequestRecord: Sendable {
    var arrivalMonotonicNanos: UInt64
    var arrivalWallNanos: Int64
    var peer: UInt32
    var tag: UInt32
    /// Index into the chunk-id table, or `UInt32.max` without a chunk option.
    var chunk: UInt32
    var mode: UInt8
    var firstEvent: Int
    var eventCount: Int
}
