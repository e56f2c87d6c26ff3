import NIOCore

/// Finds where each top-level JSON document ends in a byte stream (in_forward's JSON connections,
/// docs/forward-protocol.md, "Framing"). Resumable: keeps its scan position and string/escape state between reads, so a
/// document split across reads is scanned once.
public struct JSONStreamSplitter: Sendable {
    /// Why the stream is not a sequence of JSON documents.
    public enum SplitError: Error, CustomStringConvertible {
        case unexpectedByte(UInt8)
        case tooLarge(Int)
        public var description: String {
            switch self {
            case let .unexpectedByte(b): return "unexpected byte 0x\(String(b, radix: 16)) between JSON documents"
            case let .tooLarge(n): return "JSON document larger than \(n) bytes"
            }
        }
    }

    public let maxLength: Int
    private var offset = 0
    private var depth = 0
    private var inString = false
    private var escaped = false

    public init(maxLength: Int) { self.maxLength = maxLength }

    /// The next complete document (consumed from `buffer`), or nil when more bytes are needed.
    public mutating func next(_ buffer: inout ByteBuffer) throws(SplitError) -> ByteBuffer? {
        if offset == 0 {
            // Skip whitespace between documents.
            while let b = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), b == 0x20 || b == 0x0a || b == 0x0d || b == 0x09 {
                buffer.moveReaderIndex(forwardBy: 1)
            }
            guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
            guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { throw .unexpectedByte(first) }
        }
        let end = buffer.readableBytes
        let found: Int? = buffer.withUnsafeReadableBytes { raw in
            var i = offset
            while i < end {
                let b = raw[i]
                i += 1
                if inString {
                    if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                    continue
                }
                switch b {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i }
                default: break
                }
            }
            offset = i
            return nil
        }
        guard let length = found else {
            if offset > maxLength { throw .tooLarge(maxLength) }
            return nil
        }
        offset = 0
        depth = 0
        return buffer.readSlice(length: length)
    }

    /// Whether part of a document has been seen but not finished.
    var hasPartialDocument: Bool { offset > 0 }
}
