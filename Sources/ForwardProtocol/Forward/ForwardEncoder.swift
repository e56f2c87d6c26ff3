import NIOCore

/// Client-side encoders for the four modes; the PackedForward form is byte-identical to out_forward's (docs/forward-protocol.md, "Sending a chunk", "Worked example").
public enum ForwardEncoder {
    /// Writes the head of a PackedForward request: `93`, the tag as str, `db` + length. The entries
    /// (`entriesLength` bytes) follow, then the option map — written separately so a buffer chunk's
    /// bytes can go to the socket without being copied.
    @inlinable
    public static func writePackedForwardHead(tag: String, entriesLength: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0x93))
        buffer.writeMessagePackString(tag)
        buffer.writeMessagePackString32Header(length: entriesLength)
    }

    /// A whole PackedForward request in one buffer (tests, small senders).
    public static func packedForward(tag: String, entries: ByteBuffer, size: Int, compressed: Bool = false, chunk: String? = nil) -> ByteBuffer {
        packedForward(tag: tag, entries: entries, size: size, compression: compressed ? .gzip : nil, chunk: chunk)
    }

    /// A whole PackedForward request whose entries are already compressed with `compression` (nil: `text`).
    public static func packedForward(tag: String, entries: ByteBuffer, size: Int, compression: ForwardCompression?, chunk: String? = nil) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(entries.readableBytes + tag.utf8.count + 64)
        writePackedForwardHead(tag: tag, entriesLength: entries.readableBytes, into: &out)
        var e = entries
        out.writeBuffer(&e)
        ForwardOption.write(size: size, compressed: compression?.optionValue ?? "text", chunk: chunk, into: &out)
        return out
    }

    /// `[tag, time, record(, option)]`.
    public static func message(tag: String, time: EventTime, record: MessagePackValue, option: MessagePackValue? = nil) -> ByteBuffer {
        var out = ByteBuffer()
        out.writeMessagePackArrayHeader(count: option == nil ? 3 : 4)
        out.writeMessagePackString(tag)
        time.encode(into: &out)
        record.encode(into: &out)
        option?.encode(into: &out)
        return out
    }

    /// `[tag, [[time, record]...](, option)]`.
    public static func forward(tag: String, entries: [(EventTime, MessagePackValue)], option: MessagePackValue? = nil) -> ByteBuffer {
        var out = ByteBuffer()
        out.writeMessagePackArrayHeader(count: option == nil ? 2 : 3)
        out.writeMessagePackString(tag)
        out.writeMessagePackArrayHeader(count: entries.count)
        for (t, r) in entries {
            out.writeInteger(UInt8(0x92))
            t.encode(into: &out)
            r.encode(into: &out)
        }
        option?.encode(into: &out)
        return out
    }
}
