import NIOCore

/// A decoded MessagePack value, for the small messages where a tree is convenient (handshake,
/// option maps, test vectors). The hot event path uses `MessagePackReader` instead.
public indirect enum MessagePackValue: Sendable, Hashable {
    case `nil`
    case bool(Bool)
    case int(Int64)
    /// Only for values above Int64.max; smaller non-negative integers decode as `.int`.
    case uint(UInt64)
    case float(Float)
    case double(Double)
    /// A str, kept as raw bytes because Fluentd puts binary data in str (quirk 25 in docs/quirks.md).
    case string([UInt8])
    case binary([UInt8])
    case array([MessagePackValue])
    /// A map with its pairs in wire order.
    case map([MessagePackPair])
    case ext(type: Int8, data: [UInt8])

    /// Convenience for a UTF-8 str.
    public static func str(_ s: String) -> MessagePackValue { .string(Array(s.utf8)) }

    /// The text of a str or bin, when it is valid UTF-8.
    public var stringValue: String? {
        switch self {
        case let .string(b), let .binary(b): return String(validating: b, as: UTF8.self)
        default: return nil
        }
    }

    /// The raw bytes of a str or bin.
    public var bytesValue: [UInt8]? {
        switch self {
        case let .string(b), let .binary(b): return b
        default: return nil
        }
    }

    public var intValue: Int64? {
        switch self {
        case let .int(v): return v
        case let .uint(v): return v <= UInt64(Int64.max) ? Int64(v) : nil
        default: return nil
        }
    }

    public var arrayValue: [MessagePackValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    public var mapValue: [MessagePackPair]? {
        if case let .map(m) = self { return m }
        return nil
    }

    /// Ruby truthiness: everything but nil and false (Fluentd checks `option['chunk']` this way).
    public var isTruthy: Bool {
        switch self {
        case .nil, .bool(false): return false
        default: return true
        }
    }

    /// Looks up a str key in a map (first match, as Ruby's Hash keeps the last, but duplicate keys
    /// never occur in what Fluentd produces).
    public subscript(key: String) -> MessagePackValue? {
        guard case let .map(pairs) = self else { return nil }
        let k = Array(key.utf8)
        for pair in pairs {
            if case let .string(b) = pair.key, b == k { return pair.value }
            if case let .binary(b) = pair.key, b == k { return pair.value }
        }
        return nil
    }
}

/// One key/value pair of a `MessagePackValue.map`.
public struct MessagePackPair: Sendable, Hashable {
    public var key: MessagePackValue
    public var value: MessagePackValue
    public init(_ key: MessagePackValue, _ value: MessagePackValue) {
        self.key = key
        self.value = value
    }
}

extension MessagePackValue {
    /// Decodes exactly one value from the reader.
    public static func decode(from reader: inout MessagePackReader) throws(MessagePackError) -> MessagePackValue {
        try decode(from: &reader, depth: 0)
    }

    /// Decodes one value that must span all of `bytes`.
    public static func decode(_ bytes: ByteBuffer, limits: MessagePackLimits = .default) throws(MessagePackError) -> MessagePackValue {
        var reader = MessagePackReader(bytes, limits: limits)
        let value = try decode(from: &reader)
        guard reader.isAtEnd else {
            throw .typeMismatch(expected: "end of input", found: reader.peekFormat() ?? 0, offset: reader.offset)
        }
        return value
    }

    private static func decode(from r: inout MessagePackReader, depth: Int) throws(MessagePackError) -> MessagePackValue {
        guard let f = r.peekFormat() else { throw .truncated(offset: r.offset) }
        switch MessagePackKind(format: f) {
        case .nil: _ = r.readNil(); return .nil
        case .bool: return .bool(try r.readBool())
        case .int:
            if f == MessagePackFormat.uint64 {
                let v = try r.readUInt()
                return v <= UInt64(Int64.max) ? .int(Int64(v)) : .uint(v)
            }
            return .int(try r.readInt())
        case .float:
            if f == MessagePackFormat.float32 {
                r.buffer.moveReaderIndex(forwardBy: 1)
                guard let bits = r.buffer.readInteger(as: UInt32.self) else { throw .truncated(offset: r.offset - 1) }
                return .float(Float(bitPattern: bits))
            }
            return .double(try r.readDouble())
        case .string: return .string(Array(try r.readStringBytes().readableBytesView))
        case .binary: return .binary(Array(try r.readBinaryBytes().readableBytesView))
        case .ext:
            let (type, data) = try r.readExtension()
            return .ext(type: type, data: Array(data.readableBytesView))
        case .array:
            let start = r.offset
            let count = try r.readArrayHeader()
            // As in MessagePackFrameScanner, an empty container nests nothing: every frame the scanner delimits decodes.
            guard count == 0 || depth < r.limits.maxDepth else { throw .depthExceeded(limit: r.limits.maxDepth, offset: start) }
            // Reserve no more than the bytes left could hold, so a hostile count allocates nothing big.
            var items: [MessagePackValue] = []
            items.reserveCapacity(min(count, r.buffer.readableBytes))
            for _ in 0 ..< count { items.append(try decode(from: &r, depth: depth + 1)) }
            return .array(items)
        case .map:
            let start = r.offset
            let count = try r.readMapHeader()
            guard count == 0 || depth < r.limits.maxDepth else { throw .depthExceeded(limit: r.limits.maxDepth, offset: start) }
            var pairs: [MessagePackPair] = []
            pairs.reserveCapacity(min(count, r.buffer.readableBytes / 2))
            for _ in 0 ..< count {
                let k = try decode(from: &r, depth: depth + 1)
                let v = try decode(from: &r, depth: depth + 1)
                pairs.append(MessagePackPair(k, v))
            }
            return .map(pairs)
        case .invalid: throw .invalidFormat(byte: f, offset: r.offset)
        }
    }

    /// Appends this value's encoding to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .nil: buffer.writeMessagePackNil()
        case let .bool(v): buffer.writeMessagePackBool(v)
        case let .int(v): buffer.writeMessagePackInt(v)
        case let .uint(v): buffer.writeMessagePackUInt(v)
        case let .float(v): buffer.writeMessagePackFloat(v)
        case let .double(v): buffer.writeMessagePackDouble(v)
        case let .string(b): buffer.writeMessagePackString(bytes: b)
        case let .binary(b): buffer.writeMessagePackBinary(b)
        case let .array(items):
            buffer.writeMessagePackArrayHeader(count: items.count)
            for item in items { item.encode(into: &buffer) }
        case let .map(pairs):
            buffer.writeMessagePackMapHeader(count: pairs.count)
            for pair in pairs {
                pair.key.encode(into: &buffer)
                pair.value.encode(into: &buffer)
            }
        case let .ext(type, data): buffer.writeMessagePackExtension(type: type, data: data)
        }
    }

    /// This value's encoding as a fresh buffer.
    public var encoded: ByteBuffer {
        var b = ByteBuffer()
        encode(into: &b)
        return b
    }
}

extension MessagePackValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .str(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: MessagePackValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .nil }
}
