import NIOCore

/// Fluentd's event time: MessagePack ext type 0 with big-endian uint32 seconds and nanoseconds (docs/forward-protocol.md, "EventTime").
public struct EventTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: UInt32
    public var nanoseconds: UInt32

    /// The ext type code Fluentd registers for EventTime.
    public static let extensionType: Int8 = 0

    public init(seconds: UInt32, nanoseconds: UInt32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// From Unix seconds as a Double (clamped to the representable range; Fluentd's times are unsigned 32-bit).
    public init(_ unixSeconds: Double) {
        let clamped = min(max(unixSeconds, 0), Double(UInt32.max))
        let whole = clamped.rounded(.down)
        self.seconds = UInt32(whole)
        self.nanoseconds = UInt32(min(999_999_999, ((clamped - whole) * 1e9).rounded(.down)))
    }

    public var unixSeconds: Double { Double(seconds) + Double(nanoseconds) / 1e9 }

    public static func < (a: EventTime, b: EventTime) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    public var description: String { "\(seconds).\(String(nanoseconds + 1_000_000_000).dropFirst())" }

    /// Writes `d7 00 SS SS SS SS NN NN NN NN` (fixext 8), as Fluentd does.
    @inlinable public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0xd7))
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(seconds)
        buffer.writeInteger(nanoseconds)
    }
}

/// The time slot of an entry as sent: an integer, an EventTime, or something Fluentd would not accept.
public enum EntryTime: Sendable, Hashable {
    case integer(Int64)
    case eventTime(EventTime)
    /// nil, a float, a string, another ext...: invalid per docs/forward-protocol.md "Invalid events", "zero" per "Request processing".
    case other(MessagePackKind)

    /// Whether Fluentd would treat this time as valid (Integer or EventTime; docs/forward-protocol.md, "Invalid events").
    public var isValid: Bool {
        if case .other = self { return false }
        return true
    }

    /// Whether Fluentd's `time.to_i == 0` rule (replace by now; docs/forward-protocol.md, "Request processing") applies.
    public var isZero: Bool {
        switch self {
        case let .integer(v): return v == 0
        case let .eventTime(t): return t.seconds == 0
        case .other: return true
        }
    }

    /// Seconds since the epoch as a Double (0 for invalid times).
    public var unixSeconds: Double {
        switch self {
        case let .integer(v): return Double(v)
        case let .eventTime(t): return t.unixSeconds
        case .other: return 0
        }
    }
}

extension MessagePackReader {
    /// Reads an entry time: int, ext type 0, or records what else it was.
    /// A type-0 ext is read from its first 8 bytes, so a longer payload is accepted and the rest ignored; a
    /// shorter one is rejected. That is what Fluentd 1.16.9 does (lib/fluent/time.rb, `EventTime.from_msgpack_ext`
    /// unpacks two 32-bit words and never looks at the length), measured in docs/fidelity-receiver.md.
    @inlinable public mutating func readEntryTime() throws(MessagePackError) -> EntryTime {
        guard let f = peekFormat() else { throw .truncated(offset: offset) }
        if f == 0xd7, buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) == 0 {
            // Hot path: Fluentd always packs EventTime as fixext 8.
            guard let s = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt32.self),
                  let n = buffer.getInteger(at: buffer.readerIndex + 6, as: UInt32.self) else {
                throw .truncated(offset: offset)
            }
            buffer.moveReaderIndex(forwardBy: 10)
            return .eventTime(EventTime(seconds: s, nanoseconds: n))
        }
        let kind = MessagePackKind(format: f)
        switch kind {
        case .int:
            return .integer(try readInt())
        case .ext:
            let start = offset
            let (type, data) = try readExtension()
            guard type == EventTime.extensionType else { return .other(.ext) }
            guard data.readableBytes >= 8,
                  let s = data.getInteger(at: data.readerIndex, as: UInt32.self),
                  let n = data.getInteger(at: data.readerIndex + 4, as: UInt32.self) else {
                throw .invalidEventTime(length: data.readableBytes, offset: start)
            }
            return .eventTime(EventTime(seconds: s, nanoseconds: n))
        default:
            try skipValue()
            return .other(kind)
        }
    }
}
