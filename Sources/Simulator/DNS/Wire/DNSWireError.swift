/// Why a DNS message could not be decoded or encoded.
public enum DNSWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message ended before a field was complete.
    case truncated(field: String, offset: Int)
    /// A label longer than 63 bytes, or a reserved label type (0x40/0x80 prefixes).
    case badLabel(offset: Int)
    /// A compression pointer that points forward or at itself (would loop).
    case badPointer(offset: Int, target: Int)
    /// A name longer than 255 bytes on the wire.
    case nameTooLong
    /// A record whose RDLENGTH does not fit its type (A ≠ 4, AAAA ≠ 16) or overruns its record.
    case badRecordData(type: UInt16, length: Int)
    /// The encoded message would exceed 65535 bytes.
    case messageTooLong
    /// A textual name or address that cannot be represented.
    case invalidText(String)

    public var description: String {
        switch self {
        case .truncated(let field, let offset): return "DNS message truncated in \(field) at offset \(offset)"
        case .badLabel(let offset): return "bad DNS label at offset \(offset)"
        case .badPointer(let offset, let target): return "bad compression pointer at offset \(offset) to \(target)"
        case .nameTooLong: return "DNS name longer than 255 bytes"
        case .badRecordData(let type, let length): return "bad RDATA for type \(type) (length \(length))"
        case .messageTooLong: return "DNS message longer than 65535 bytes"
        case .invalidText(let text): return "invalid DNS text: \(text)"
        }
    }
}
