/// Why MessagePack bytes were rejected; every case carries the byte offset where decoding stopped.
public enum MessagePackError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended inside a value (a complete frame was expected).
    case truncated(offset: Int)
    /// A byte that is not a MessagePack format marker (only 0xc1 is never valid).
    case invalidFormat(byte: UInt8, offset: Int)
    /// Containers nested deeper than the configured limit.
    case depthExceeded(limit: Int, offset: Int)
    /// A declared length or element count above the configured limit.
    case lengthExceeded(length: Int, limit: Int, offset: Int)
    /// A value of another type than the caller asked for.
    case typeMismatch(expected: String, found: UInt8, offset: Int)
    /// An integer that does not fit the requested Swift type.
    case integerOverflow(offset: Int)
    /// A str that is not valid UTF-8 where text was required.
    case invalidUTF8(offset: Int)
    /// An ext type 0 (EventTime) whose payload is not exactly 8 bytes.
    case invalidEventTime(length: Int, offset: Int)
    /// An ext type other than EventTime where only EventTime is allowed.
    case unknownExtension(type: Int8, offset: Int)

    public var description: String {
        switch self {
        case let .truncated(offset): return "truncated MessagePack value at byte \(offset)"
        case let .invalidFormat(byte, offset): return "invalid MessagePack format byte 0x\(hex(byte)) at byte \(offset)"
        case let .depthExceeded(limit, offset): return "nesting deeper than \(limit) at byte \(offset)"
        case let .lengthExceeded(length, limit, offset):
            return "declared length \(length) exceeds limit \(limit) at byte \(offset)"
        case let .typeMismatch(expected, found, offset):
            return "expected \(expected) but found format 0x\(hex(found)) at byte \(offset)"
        case let .integerOverflow(offset): return "integer out of range at byte \(offset)"
        case let .invalidUTF8(offset): return "string is not valid UTF-8 at byte \(offset)"
        case let .invalidEventTime(length, offset): return "EventTime ext with \(length)-byte payload (want 8) at byte \(offset)"
        case let .unknownExtension(type, offset): return "unknown ext type \(type) at byte \(offset)"
        }
    }
}

@inline(__always)
func hex(_ byte: UInt8) -> String {
    let s = String(byte, radix: 16)
    return s.count == 1 ? "0" + s : s
}
