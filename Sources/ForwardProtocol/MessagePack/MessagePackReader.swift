import NIOCore

/// A zero-copy cursor over MessagePack bytes in a `ByteBuffer`.
///
/// str, bin and ext payloads come back as slices sharing the buffer's storage, so decoding a
/// PackedForward request allocates nothing per event. Every method either consumes exactly one
/// value and returns it, or throws and leaves the reader where the offending value starts.
public struct MessagePackReader: Sendable {
    /// The unread bytes.
    public var buffer: ByteBuffer
    public let limits: MessagePackLimits
    @usableFromInline let base: Int

    public init(_ buffer: ByteBuffer, limits: MessagePackLimits = .default) {
        self.buffer = buffer
        self.limits = limits
        self.base = buffer.readerIndex
    }

    /// Byte offset of the next value, relative to where the reader started.
    @inlinable public var offset: Int { buffer.readerIndex - base }
    /// True when every byte has been consumed.
    @inlinable public var isAtEnd: Bool { buffer.readableBytes == 0 }

    /// The format byte of the next value, without consuming it.
    @inlinable public func peekFormat() -> UInt8? { buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) }

    /// The kind of the next value, without consuming it.
    public func peekKind() -> MessagePackKind? { peekFormat().map(MessagePackKind.init(format:)) }

    // MARK: scalars

    /// Consumes a nil, returning true, or returns false and consumes nothing.
    @inlinable public mutating func readNil() -> Bool {
        if peekFormat() == MessagePackFormat.nilByte { buffer.moveReaderIndex(forwardBy: 1); return true }
        return false
    }

    public mutating func readBool() throws(MessagePackError) -> Bool {
        let f = try format()
        switch f {
        case MessagePackFormat.trueByte: buffer.moveReaderIndex(forwardBy: 1); return true
        case MessagePackFormat.falseByte: buffer.moveReaderIndex(forwardBy: 1); return false
        default: throw .typeMismatch(expected: "bool", found: f, offset: offset)
        }
    }

    /// Reads any MessagePack integer that fits in Int64.
    @inlinable public mutating func readInt() throws(MessagePackError) -> Int64 {
        let f = try format()
        let start = offset
        switch f {
        case 0x00...0x7f: buffer.moveReaderIndex(forwardBy: 1); return Int64(f)
        case 0xe0...0xff: buffer.moveReaderIndex(forwardBy: 1); return Int64(Int8(bitPattern: f))
        case MessagePackFormat.uint8: return Int64(try fixed(UInt8.self))
        case MessagePackFormat.uint16: return Int64(try fixed(UInt16.self))
        case MessagePackFormat.uint32: return Int64(try fixed(UInt32.self))
        case MessagePackFormat.uint64:
            let v = try fixed(UInt64.self)
            guard v <= UInt64(Int64.max) else { throw .integerOverflow(offset: start) }
            return Int64(v)
        case MessagePackFormat.int8: return Int64(try fixed(Int8.self))
        case MessagePackFormat.int16: return Int64(try fixed(Int16.self))
        case MessagePackFormat.int32: return Int64(try fixed(Int32.self))
        case MessagePackFormat.int64: return try fixed(Int64.self)
        default: throw .typeMismatch(expected: "integer", found: f, offset: start)
        }
    }

    /// Reads any unsigned-representable integer (uint64 values above Int64.max included).
    public mutating func readUInt() throws(MessagePackError) -> UInt64 {
        if peekFormat() == MessagePackFormat.uint64 { return try fixed(UInt64.self) }
        let start = offset
        let v = try readInt()
        guard v >= 0 else { throw .integerOverflow(offset: start) }
        return UInt64(v)
    }

    /// Reads float32 or float64 (integers are accepted and converted).
    public mutating func readDouble() throws(MessagePackError) -> Double {
        let f = try format()
        switch f {
        case MessagePackFormat.float32: return Double(Float(bitPattern: try fixed(UInt32.self)))
        case MessagePackFormat.float64: return Double(bitPattern: try fixed(UInt64.self))
        default:
            if f == MessagePackFormat.uint64 { return Double(try readUInt()) }
            return Double(try readInt())
        }
    }

    // MARK: payloads

    /// Reads a str (any width) as a slice of its raw bytes.
    @inlinable public mutating func readStringBytes() throws(MessagePackError) -> ByteBuffer {
        let f = try format()
        switch f {
        case 0xa0...0xbf: return try payload(headerSize: 1, length: Int(f & 0x1f))
        case MessagePackFormat.str8: return try payload(lengthType: UInt8.self)
        case MessagePackFormat.str16: return try payload(lengthType: UInt16.self)
        case MessagePackFormat.str32: return try payload(lengthType: UInt32.self)
        default: throw .typeMismatch(expected: "str", found: f, offset: offset)
        }
    }

    /// Reads a bin (any width) as a slice of its raw bytes.
    public mutating func readBinaryBytes() throws(MessagePackError) -> ByteBuffer {
        let f = try format()
        switch f {
        case MessagePackFormat.bin8: return try payload(lengthType: UInt8.self)
        case MessagePackFormat.bin16: return try payload(lengthType: UInt16.self)
        case MessagePackFormat.bin32: return try payload(lengthType: UInt32.self)
        default: throw .typeMismatch(expected: "bin", found: f, offset: offset)
        }
    }

    /// Reads a str or a bin (Fluentd treats both as a Ruby String; docs/forward-protocol.md, "Carrier modes").
    @inlinable public mutating func readRawBytes() throws(MessagePackError) -> ByteBuffer {
        let f = try format()
        if f >= MessagePackFormat.bin8 && f <= MessagePackFormat.bin32 { return try readBinaryBytes() }
        return try readStringBytes()
    }

    /// Reads a str or bin and decodes it as UTF-8.
    public mutating func readString() throws(MessagePackError) -> String {
        let start = offset
        let bytes = try readRawBytes()
        guard let s = String(validating: bytes.readableBytesView, as: UTF8.self) else {
            throw .invalidUTF8(offset: start)
        }
        return s
    }

    /// Reads an ext value: its type and a slice of its payload.
    public mutating func readExtension() throws(MessagePackError) -> (type: Int8, data: ByteBuffer) {
        let f = try format()
        let start = offset
        let length: Int
        let headerSize: Int
        switch f {
        case MessagePackFormat.fixext1: length = 1; headerSize = 2
        case MessagePackFormat.fixext2: length = 2; headerSize = 2
        case MessagePackFormat.fixext4: length = 4; headerSize = 2
        case MessagePackFormat.fixext8: length = 8; headerSize = 2
        case MessagePackFormat.fixext16: length = 16; headerSize = 2
        case MessagePackFormat.ext8: length = Int(try peek(UInt8.self, at: 1)); headerSize = 3
        case MessagePackFormat.ext16: length = Int(try peek(UInt16.self, at: 1)); headerSize = 4
        case MessagePackFormat.ext32: length = Int(try peek(UInt32.self, at: 1)); headerSize = 6
        default: throw .typeMismatch(expected: "ext", found: f, offset: start)
        }
        try checkLength(length)
        let type = Int8(bitPattern: try peek(UInt8.self, at: headerSize - 1))
        guard buffer.readableBytes >= headerSize + length else { throw .truncated(offset: start) }
        buffer.moveReaderIndex(forwardBy: headerSize)
        let data = buffer.readSlice(length: length)!
        return (type, data)
    }

    // MARK: containers

    /// Reads an array header and returns its element count.
    @inlinable public mutating func readArrayHeader() throws(MessagePackError) -> Int {
        let f = try format()
        let count: Int
        switch f {
        case 0x90...0x9f: buffer.moveReaderIndex(forwardBy: 1); count = Int(f & 0x0f)
        case MessagePackFormat.array16: count = Int(try fixed(UInt16.self))
        case MessagePackFormat.array32: count = Int(try fixed(UInt32.self))
        default: throw .typeMismatch(expected: "array", found: f, offset: offset)
        }
        try checkCount(count)
        return count
    }

    /// Reads a map header and returns its pair count.
    @inlinable public mutating func readMapHeader() throws(MessagePackError) -> Int {
        let f = try format()
        let count: Int
        switch f {
        case 0x80...0x8f: buffer.moveReaderIndex(forwardBy: 1); count = Int(f & 0x0f)
        case MessagePackFormat.map16: count = Int(try fixed(UInt16.self))
        case MessagePackFormat.map32: count = Int(try fixed(UInt32.self))
        default: throw .typeMismatch(expected: "map", found: f, offset: offset)
        }
        try checkCount(count)
        return count
    }

    /// Consumes one complete value of any type and returns its encoded bytes as a slice.
    @inlinable public mutating func readEncodedValue() throws(MessagePackError) -> ByteBuffer {
        let end = try endOfValue()
        return buffer.readSlice(length: end - buffer.readerIndex)!
    }

    /// Skips one complete value of any type without allocating: a single counter of values still
    /// to skip replaces the container stack (a container adds its element count). Depth is not
    /// tracked because nothing recurses; a hostile count is bounded by the bytes left.
    @inlinable public mutating func skipValue() throws(MessagePackError) {
        buffer.moveReaderIndex(to: try endOfValue())
    }

    /// The buffer index just past the next complete value.
    @inlinable func endOfValue() throws(MessagePackError) -> Int {
        let start = buffer.readerIndex
        var index = start
        let end = buffer.writerIndex
        var remaining = 1
        while remaining > 0 {
            remaining -= 1
            guard index < end, let format = buffer.getInteger(at: index, as: UInt8.self) else {
                throw .truncated(offset: index - base)
            }
            switch MessagePackHeader.of(format) {
            case .invalid:
                throw .invalidFormat(byte: format, offset: index - base)
            case let .fixed(size):
                index += 1 + size
            case let .payload(embedded, lengthBytes, extra):
                guard let length = headerLength(at: index + 1, embedded: embedded, lengthBytes: lengthBytes) else {
                    throw .truncated(offset: index - base)
                }
                try checkLength(length)
                index += 1 + lengthBytes + extra + length
            case let .container(embedded, lengthBytes, perEntry):
                guard let count = headerLength(at: index + 1, embedded: embedded, lengthBytes: lengthBytes) else {
                    throw .truncated(offset: index - base)
                }
                try checkCount(count)
                index += 1 + lengthBytes
                // Every element needs at least one byte: more than are left can never complete.
                guard count * perEntry <= end - index else { throw .truncated(offset: index - base) }
                remaining += count * perEntry
            }
            if index > end { throw .truncated(offset: start - base) }
        }
        return index
    }

    @inlinable func headerLength(at index: Int, embedded: Int, lengthBytes: Int) -> Int? {
        switch lengthBytes {
        case 0: return embedded
        case 1: return buffer.getInteger(at: index, as: UInt8.self).map(Int.init)
        case 2: return buffer.getInteger(at: index, as: UInt16.self).map(Int.init)
        default: return buffer.getInteger(at: index, as: UInt32.self).map(Int.init)
        }
    }

    // MARK: helpers

    @inlinable mutating func format() throws(MessagePackError) -> UInt8 {
        guard let f = peekFormat() else { throw .truncated(offset: offset) }
        if f == 0xc1 { throw .invalidFormat(byte: f, offset: offset) }
        return f
    }

    @inlinable func peek<T: FixedWidthInteger>(_: T.Type, at distance: Int) throws(MessagePackError) -> T {
        guard let v = buffer.getInteger(at: buffer.readerIndex + distance, as: T.self) else {
            throw .truncated(offset: offset)
        }
        return v
    }

    /// Consumes a format byte followed by a big-endian `T`.
    @inlinable mutating func fixed<T: FixedWidthInteger>(_: T.Type) throws(MessagePackError) -> T {
        let v = try peek(T.self, at: 1)
        buffer.moveReaderIndex(forwardBy: 1 + MemoryLayout<T>.size)
        return v
    }

    @inlinable mutating func payload<L: FixedWidthInteger>(lengthType: L.Type) throws(MessagePackError) -> ByteBuffer {
        let length = Int(try peek(L.self, at: 1))
        return try payload(headerSize: 1 + MemoryLayout<L>.size, length: length)
    }

    @inlinable mutating func payload(headerSize: Int, length: Int) throws(MessagePackError) -> ByteBuffer {
        try checkLength(length)
        guard buffer.readableBytes >= headerSize + length else { throw .truncated(offset: offset) }
        buffer.moveReaderIndex(forwardBy: headerSize)
        return buffer.readSlice(length: length)!
    }

    @inlinable func checkLength(_ length: Int) throws(MessagePackError) {
        if length > limits.maxFrameLength {
            throw .lengthExceeded(length: length, limit: limits.maxFrameLength, offset: offset)
        }
    }

    @inlinable func checkCount(_ count: Int) throws(MessagePackError) {
        if count > limits.maxContainerCount {
            throw .lengthExceeded(length: count, limit: limits.maxContainerCount, offset: offset)
        }
    }
}

/// The broad type of a MessagePack value, read from its format byte.
public enum MessagePackKind: Sendable, Equatable, CustomStringConvertible {
    case `nil`, bool, int, float, string, binary, array, map, ext, invalid

    /// The case's name, as `String(describing:)` gave it without this conformance, but without runtime reflection:
    /// `ForwardFrame.decode` names the kind of every non-array frame it calls broken.
    public var description: String {
        switch self {
        case .nil: "nil"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        case .string: "string"
        case .binary: "binary"
        case .array: "array"
        case .map: "map"
        case .ext: "ext"
        case .invalid: "invalid"
        }
    }

    public init(format f: UInt8) {
        switch f {
        case 0x00...0x7f, 0xe0...0xff, 0xcc...0xd3: self = .int
        case 0x80...0x8f, 0xde, 0xdf: self = .map
        case 0x90...0x9f, 0xdc, 0xdd: self = .array
        case 0xa0...0xbf, 0xd9...0xdb: self = .string
        case 0xc0: self = .nil
        case 0xc2, 0xc3: self = .bool
        case 0xc4...0xc6: self = .binary
        case 0xc7...0xc9, 0xd4...0xd8: self = .ext
        case 0xca, 0xcb: self = .float
        default: self = .invalid
        }
    }
}
