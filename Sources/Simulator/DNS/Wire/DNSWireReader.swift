/// Reads DNS wire format from a byte array, following compression pointers safely.
struct DNSWireReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func readUInt8(_ field: String) throws -> UInt8 {
        guard remaining >= 1 else { throw DNSWireError.truncated(field: field, offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16(_ field: String) throws -> UInt16 {
        guard remaining >= 2 else { throw DNSWireError.truncated(field: field, offset: offset) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readUInt32(_ field: String) throws -> UInt32 {
        let high = try readUInt16(field)
        let low = try readUInt16(field)
        return UInt32(high) << 16 | UInt32(low)
    }

    mutating func readBytes(_ count: Int, _ field: String) throws -> [UInt8] {
        guard count >= 0, remaining >= count else { throw DNSWireError.truncated(field: field, offset: offset) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a possibly compressed name. Every pointer must point strictly before the pointer that
    /// led to it, so a hostile message cannot make this loop; the name is capped at 255 bytes.
    mutating func readName(_ field: String) throws -> DNSName {
        var labels: [[UInt8]] = []
        var wireLength = 1
        var cursor = offset
        var resumeAt: Int?
        var limit = offset  // pointers must target bytes before this
        while true {
            guard cursor < bytes.count else { throw DNSWireError.truncated(field: field, offset: cursor) }
            let length = bytes[cursor]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    offset = resumeAt ?? (cursor + 1)
                    return DNSName(validatedLabels: labels)
                }
                let count = Int(length)
                guard cursor + 1 + count <= bytes.count else { throw DNSWireError.truncated(field: field, offset: cursor) }
                wireLength += 1 + count
                guard wireLength <= 255 else { throw DNSWireError.nameTooLong }
                labels.append(Array(bytes[(cursor + 1)...(cursor + count)]))
                cursor += 1 + count
            case 0xC0:
                guard cursor + 1 < bytes.count else { throw DNSWireError.truncated(field: field, offset: cursor) }
                let target = Int(length & 0x3F) << 8 | Int(bytes[cursor + 1])
                guard target < limit, target < cursor else { throw DNSWireError.badPointer(offset: cursor, target: target) }
                if resumeAt == nil { resumeAt = cursor + 2 }
                limit = target
                cursor = target
            default:
                throw DNSWireError.badLabel(offset: cursor)
            }
        }
    }
}
