/// Writes DNS wire format, compressing names against earlier ones (RFC 1035 section 4.1.4).
struct DNSWireWriter {
    private(set) var bytes: [UInt8] = []
    /// Canonical (lower-cased) name suffix → offset where it was written.
    private var suffixOffsets: [[[UInt8]]: Int] = [:]
    /// Off for RDATA of unknown types and for vectors that want uncompressed output.
    var compress = true

    init(reservingCapacity capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func writeUInt32(_ value: UInt32) {
        writeUInt16(UInt16(value >> 16))
        writeUInt16(UInt16(value & 0xFFFF))
    }

    mutating func writeBytes(_ value: [UInt8]) { bytes.append(contentsOf: value) }

    /// Overwrites a 16-bit field written earlier (section counts, RDLENGTH).
    mutating func patchUInt16(_ value: UInt16, at position: Int) {
        bytes[position] = UInt8(value >> 8)
        bytes[position + 1] = UInt8(value & 0xFF)
    }

    mutating func writeName(_ name: DNSName) {
        let canonical = name.canonicalLabels
        for index in canonical.indices {
            let suffix = Array(canonical[index...])
            if compress, let target = suffixOffsets[suffix] {
                writeUInt16(0xC000 | UInt16(target))
                return
            }
            // Only offsets that fit the 14-bit pointer are worth remembering.
            if compress, bytes.count < 0x3FFF { suffixOffsets[suffix] = bytes.count }
            bytes.append(UInt8(name.labels[index].count))
            bytes.append(contentsOf: name.labels[index])
        }
        bytes.append(0)
    }
}
