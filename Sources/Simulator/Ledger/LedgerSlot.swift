/// One event in the ledger's compact storage: 24 bytes (the request it belongs to is found by
/// binary search over the request table), no references, so millions fit in a few
/// contiguous arrays and appending costs a copy, not an allocation.
@usableFromInline
struct LedgerSlot: Sendable {
    @usableFromInline var seq: Int64
    /// EventTime seconds, or the low 32 bits of integer seconds (see `timeKind`).
    @usableFromInline var timeSeconds: UInt32
    @usableFromInline var timeNanos: UInt32
    @usableFromInline var flags: UInt8

    @usableFromInline static let hasSeq: UInt8 = 1
    @usableFromInline static let integerTime: UInt8 = 2
    @usableFromInline static let otherTime: UInt8 = 4
    /// Integer time outside 0...UInt32.max: stored clamped (Fluentd's times are unsigned 32-bit, §1.3).
    @usableFromInline static let clampedTime: UInt8 = 8

    @inlinable
    init(seq: Int64?, time: StoredTime) {
        self.seq = seq ?? 0
        var f: UInt8 = seq == nil ? 0 : Self.hasSeq
        switch time {
        case let .eventTime(s, n):
            timeSeconds = s
            timeNanos = n
        case let .integer(v):
            f |= Self.integerTime
            if v < 0 || v > Int64(UInt32.max) { f |= Self.clampedTime }
            timeSeconds = UInt32(clamping: v)
            timeNanos = 0
        case .other:
            f |= Self.otherTime
            timeSeconds = 0
            timeNanos = 0
        }
        flags = f
    }

    @inlinable var seqValue: Int64? { flags & Self.hasSeq != 0 ? seq : nil }
}

/// A time as the hot path produces it (no enum payload boxing, no optionals of structs).
@usableFromInline
enum StoredTime: Sendable {
    case eventTime(UInt32, UInt32)
    case integer(Int64)
    case other
}

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
