import ForwardProtocol

/// One accepted event as the ledger reports it (assembled on query from compact storage).
public struct LedgerEvent: Sendable, Hashable {
    /// Name of the receiver that accepted the event.
    public var receiver: String
    /// Arrival on the monotonic clock (CLOCK_MONOTONIC), nanoseconds.
    public var arrivalMonotonicNanos: UInt64
    /// Arrival on the wall clock, nanoseconds since the Unix epoch.
    public var arrivalWallNanos: Int64
    /// `ip:port` of the sending connection (or UDP source; always TCP/TLS here).
    public var peer: String
    /// The tag after `tag` / `add_tag_prefix` rewriting (docs/forward-protocol.md, "Request processing", step 2).
    public var tag: String
    /// The event time as stored (after the zero-time → now rule where Fluentd applies it).
    public var time: LedgerTime
    /// The request's `chunk` option as text (out_forward: 25-char Base64 line), nil without one.
    public var chunkID: String?
    /// The carrier mode of the request.
    public var mode: ForwardMode
    /// The record's sequence field (integer), nil when absent or not an integer.
    public var seq: Int64?
    /// Index of the request inside the ledger (events of one request share it).
    public var requestIndex: Int
    /// The encoded record (MessagePack), only when the ledger keeps records.
    public var record: [UInt8]?
    /// The encoded metadata map of a Fluent Bit 5 `[time, metadata]` time, only when the ledger keeps records.
    public var metadata: [UInt8]? = nil
}

/// An event time as received: EventTime, integer seconds, or something Fluentd passes through unchecked.
public enum LedgerTime: Sendable, Hashable, CustomStringConvertible {
    case eventTime(EventTime)
    case integer(Int64)
    /// Fluent Bit 5's `[time, metadata]`, accepted unchecked in a PackedForward blob: the inner time (integer
    /// seconds when `integer`), the metadata in `LedgerEvent.metadata` (docs/forward-protocol.md, "Fluent Bit 5 senders").
    case withMetadata(EventTime, integer: Bool)
    /// A time of another type that was accepted anyway (PackedForward never normalises, quirk 24 in docs/quirks.md).
    case other

    /// Seconds since the epoch (0 for `.other`).
    public var unixSeconds: Double {
        switch self {
        case let .eventTime(t), let .withMetadata(t, _): return t.unixSeconds
        case let .integer(v): return Double(v)
        case .other: return 0
        }
    }

    public var description: String {
        switch self {
        case let .eventTime(t): return t.description
        case let .withMetadata(t, integer): return "[\(integer ? String(t.seconds) : t.description), metadata]"
        case let .integer(v): return String(v)
        case .other: return "other"
        }
    }
}
