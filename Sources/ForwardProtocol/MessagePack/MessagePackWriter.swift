import NIOCore

/// MessagePack encoding straight into a `ByteBuffer`, always in the smallest format, as
/// msgpack-ruby (and so Fluentd) does.
extension ByteBuffer {
    @inlinable public mutating func writeMessagePackNil() { writeInteger(MessagePackFormat.nilByte) }

    @inlinable public mutating func writeMessagePackBool(_ v: Bool) {
        writeInteger(v ? MessagePackFormat.trueByte : MessagePackFormat.falseByte)
    }

    @inlinable public mutating func writeMessagePackInt(_ v: Int64) {
        if v >= 0 { writeMessagePackUInt(UInt64(v)); return }
        switch v {
        case -32 ..< 0: writeInteger(UInt8(bitPattern: Int8(v)))
        case Int64(Int8.min) ..< -32: writeInteger(MessagePackFormat.int8); writeInteger(Int8(v))
        case Int64(Int16.min) ..< Int64(Int8.min): writeInteger(MessagePackFormat.int16); writeInteger(Int16(v))
        case Int64(Int32.min) ..< Int64(Int16.min): writeInteger(MessagePackFormat.int32); writeInteger(Int32(v))
        default: writeInteger(MessagePackFormat.int64); writeInteger(v)
        }
    }

    @inlinable public mutating func writeMessagePackInt(_ v: Int) { writeMessagePackInt(Int64(v)) }

    @inlinable public mutating func writeMessagePackUInt(_ v: UInt64) {
        switch v {
        case 0 ... 0x7f: writeInteger(UInt8(v))
        case 0x80 ... 0xff: writeInteger(MessagePackFormat.uint8); writeInteger(UInt8(v))
        case 0x100 ... 0xffff: writeInteger(MessagePackFormat.uint16); writeInteger(UInt16(v))
        case 0x1_0000 ... 0xffff_ffff: writeInteger(MessagePackFormat.uint32); writeInteger(UInt32(v))
        default: writeInteger(MessagePackFormat.uint64); writeInteger(v)
        }
    }

    public mutating func writeMessagePackFloat(_ v: Float) {
        writeInteger(MessagePackFormat.float32); writeInteger(v.bitPattern)
    }

    public mutating func writeMessagePackDouble(_ v: Double) {
        writeInteger(MessagePackFormat.float64); writeInteger(v.bitPattern)
    }

    /// Writes a str header for `length` bytes in the smallest format.
    @inlinable public mutating func writeMessagePackStringHeader(length: Int) {
        switch length {
        case 0 ..< 32: writeInteger(0xa0 | UInt8(length))
        case 32 ..< 0x100: writeInteger(MessagePackFormat.str8); writeInteger(UInt8(length))
        case 0x100 ..< 0x1_0000: writeInteger(MessagePackFormat.str16); writeInteger(UInt16(length))
        default: writeInteger(MessagePackFormat.str32); writeInteger(UInt32(truncatingIfNeeded: length))
        }
    }

    /// Writes a str header that is always str32 (out_forward's entries blob; docs/forward-protocol.md, "Sending a chunk").
    @inlinable public mutating func writeMessagePackString32Header(length: Int) {
        writeInteger(MessagePackFormat.str32); writeInteger(UInt32(truncatingIfNeeded: length))
    }

    @inlinable public mutating func writeMessagePackString(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            writeMessagePackStringHeader(length: utf8.count)
            writeBytes(utf8)
        }
    }

    /// Writes raw bytes as a str (Fluentd sends binary data in str, quirk 25 in docs/quirks.md).
    public mutating func writeMessagePackString<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        writeMessagePackStringHeader(length: bytes.count)
        writeBytes(bytes)
    }

    @inlinable public mutating func writeMessagePackBinaryHeader(length: Int) {
        switch length {
        case 0 ..< 0x100: writeInteger(MessagePackFormat.bin8); writeInteger(UInt8(length))
        case 0x100 ..< 0x1_0000: writeInteger(MessagePackFormat.bin16); writeInteger(UInt16(length))
        default: writeInteger(MessagePackFormat.bin32); writeInteger(UInt32(truncatingIfNeeded: length))
        }
    }

    public mutating func writeMessagePackBinary<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        writeMessagePackBinaryHeader(length: bytes.count)
        writeBytes(bytes)
    }

    @inlinable public mutating func writeMessagePackArrayHeader(count: Int) {
        switch count {
        case 0 ..< 16: writeInteger(0x90 | UInt8(count))
        case 16 ..< 0x1_0000: writeInteger(MessagePackFormat.array16); writeInteger(UInt16(count))
        default: writeInteger(MessagePackFormat.array32); writeInteger(UInt32(truncatingIfNeeded: count))
        }
    }

    @inlinable public mutating func writeMessagePackMapHeader(count: Int) {
        switch count {
        case 0 ..< 16: writeInteger(0x80 | UInt8(count))
        case 16 ..< 0x1_0000: writeInteger(MessagePackFormat.map16); writeInteger(UInt16(count))
        default: writeInteger(MessagePackFormat.map32); writeInteger(UInt32(truncatingIfNeeded: count))
        }
    }

    /// Writes an ext value, using fixext when the payload length allows it.
    public mutating func writeMessagePackExtension<Bytes: Collection>(type: Int8, data: Bytes) where Bytes.Element == UInt8 {
        let t = UInt8(bitPattern: type)
        switch data.count {
        case 1: writeInteger(MessagePackFormat.fixext1)
        case 2: writeInteger(MessagePackFormat.fixext2)
        case 4: writeInteger(MessagePackFormat.fixext4)
        case 8: writeInteger(MessagePackFormat.fixext8)
        case 16: writeInteger(MessagePackFormat.fixext16)
        case 0 ..< 0x100: writeInteger(MessagePackFormat.ext8); writeInteger(UInt8(data.count))
        case 0x100 ..< 0x1_0000: writeInteger(MessagePackFormat.ext16); writeInteger(UInt16(data.count))
        default: writeInteger(MessagePackFormat.ext32); writeInteger(UInt32(truncatingIfNeeded: data.count))
        }
        writeInteger(t)
        writeBytes(data)
    }
}
