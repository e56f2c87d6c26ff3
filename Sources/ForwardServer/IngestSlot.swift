/// One accepted event in compact form: 24 bytes, no references, so a ledger can keep millions in a few
/// contiguous arrays and appending costs a copy, not an allocation.
public struct IngestSlot: Sendable {
    /// The record's sequence field (valid when `flags & hasSeq != 0`).
    public var seq: Int64
    /// EventTime seconds, or the low 32 bits of integer seconds (see `timeKind`).
    public var timeSeconds: UInt32
    public var timeNanos: UInt32
    public var flags: UInt8

    public static let hasSeq: UInt8 = 1
    public static let integerTime: UInt8 = 2
    public static let otherTime: UInt8 = 4
    /// Integer time outside 0...UInt32.max: stored clamped (Fluentd's times are unsigned 32-bit; docs/forward-protocol.md, "EventTime").
    public static let clampedTime: UInt8 = 8
    /// The time came as Fluent Bit 5's `[time, metadata]`: `timeSeconds`/`timeNanos` hold the inner time
    /// (docs/forward-protocol.md, "Fluent Bit 5 senders").
    public static let metadataTime: UInt8 = 16

    @inlinable
    public init(seq: Int64?, time: StoredTime) {
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
        case let .withMetadata(s, n, integer):
            f |= Self.metadataTime | (integer ? Self.integerTime : 0)
            timeSeconds = s
            timeNanos = n
        case .other:
            f |= Self.otherTime
            timeSeconds = 0
            timeNanos = 0
        }
        flags = f
    }

    @inlinable public var seqValue: Int64? { flags & Self.hasSeq != 0 ? seq : nil }
}

/// A time as the hot path produces it (no enum payload boxing, no optionals of structs).
public enum StoredTime: Sendable {
    case eventTime(UInt32, UInt32)
    case integer(Int64)
    /// Fluent Bit 5's `[time, metadata]` (the inner time; `integer` when it was integer seconds). Fluentd's
    /// validity rule calls it invalid: it is neither an Integer nor an EventTime.
    case withMetadata(UInt32, UInt32, integer: Bool)
    case other
}
