import NIOCore

/// The option map that may trail a request (docs/forward-protocol.md, "Option map"). Unknown keys are tolerated and ignored.
public struct ForwardOption: Sendable {
    /// `size`: the sender's event count (a hint, never validated).
    public var size: Int64?
    /// `chunk`: the encoded MessagePack value exactly as received, so an ack can echo it byte-for-byte.
    public var chunk: ByteBuffer?
    /// Whether `chunk` is present and truthy in Ruby's sense (only then is an ack due; docs/forward-protocol.md, "Ack response").
    public var wantsAck: Bool
    /// `compressed`: which values mark CompressedPackedForward depends on the release (`FluentdReleaseProfile`).
    public var compressed: String?

    public init(size: Int64? = nil, chunk: ByteBuffer? = nil, wantsAck: Bool = false, compressed: String? = nil,
                lookupRaises: Bool = false) {
        self.lookupRaises = lookupRaises
        self.size = size
        self.chunk = chunk
        self.wantsAck = wantsAck
        self.compressed = compressed
    }

    /// The chunk id as text (the 25-character Base64 line for out_forward), if it is a str or bin.
    public var chunkString: String? {
        guard let chunk, let v = try? MessagePackValue.decode(chunk) else { return nil }
        return v.stringValue
    }

    /// Whether in_forward's lookups on this option raise. Fluentd indexes whatever value trails the request
    /// with `option['chunk']` (and, for PackedForward, `option['size']`/`option['compressed']`) without checking
    /// its type (lib/fluent/plugin/in_forward.rb, `on_message` and `response`): on an Integer or an Array that
    /// is a TypeError, on a Float, `true` or an EventTime a NoMethodError, and the connection closes. In
    /// Message and Forward mode the events were emitted before the lookup; in PackedForward nothing was.
    public var lookupRaises: Bool = false

    /// Reads an option value, consuming it. `nil` and `false` yield nil (Ruby's `option && ...` stops there).
    /// A str or bin is not a map but Ruby's `String#[]` is a substring search, so a string containing `chunk`
    /// asks for an ack of the substring itself (`{"ack": "chunk"}`, always a str) and
    /// never says gzip. Any other non-map value sets `lookupRaises`. See docs/fidelity-receiver.md.
    public static func read(from reader: inout MessagePackReader) throws(MessagePackError) -> ForwardOption? {
        switch reader.peekKind() {
        case .map?:
            break
        case .nil?:
            try reader.skipValue()
            return nil
        case .bool?:
            if try reader.readBool() == false { return nil }
            return ForwardOption(lookupRaises: true)
        case .string?, .binary?:
            let text = try reader.readRawBytes()
            guard text.readableBytesView.firstRange(of: "chunk".utf8) != nil else { return ForwardOption() }
            // String#[] returns a copy of the argument, a UTF-8 String, so the ack carries a str even for a bin.
            var chunk = ByteBuffer()
            chunk.writeMessagePackString("chunk")
            return ForwardOption(chunk: chunk, wantsAck: true)
        default:
            try reader.skipValue()
            return ForwardOption(lookupRaises: true)
        }
        var option = ForwardOption()
        let count = try reader.readMapHeader()
        for _ in 0 ..< count {
            guard reader.peekKind() == .string || reader.peekKind() == .binary else {
                try reader.skipValue(); try reader.skipValue(); continue
            }
            let key = try reader.readRawBytes()
            if key.readableBytesView.elementsEqual("chunk".utf8) {
                let value = try reader.readEncodedValue()
                let format = value.getInteger(at: value.readerIndex, as: UInt8.self)
                option.chunk = value
                option.wantsAck = format != 0xc0 && format != 0xc2
            } else if key.readableBytesView.elementsEqual("size".utf8), reader.peekKind() == .int {
                option.size = try reader.readInt()
            } else if key.readableBytesView.elementsEqual("compressed".utf8),
                      reader.peekKind() == .string || reader.peekKind() == .binary {
                option.compressed = String(decoding: try reader.readRawBytes().readableBytesView, as: UTF8.self)
            } else {
                try reader.skipValue()
            }
        }
        return option
    }

    /// Writes the option map as out_forward does: `size`, `compressed`, then `chunk` only with acks (docs/forward-protocol.md, "Sending a chunk").
    public static func write(size: Int, compressed: String, chunk: String?, into buffer: inout ByteBuffer) {
        buffer.writeMessagePackMapHeader(count: chunk == nil ? 2 : 3)
        buffer.writeMessagePackString("size")
        buffer.writeMessagePackInt(size)
        buffer.writeMessagePackString("compressed")
        buffer.writeMessagePackString(compressed)
        if let chunk {
            buffer.writeMessagePackString("chunk")
            buffer.writeMessagePackString(chunk)
        }
    }
}
