#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One captured frame, borrowed from the reader's buffer: valid only inside the callback that receives it.
public struct PcapPacketView {
    /// 1-based frame number, as Wireshark counts.
    public let frameNumber: Int
    /// Capture time in nanoseconds since the Unix epoch.
    public let timestampNanos: Int64
    public let linkType: LinkType
    /// Length of the frame on the wire (may exceed `bytes.count` when the snapshot length cut it).
    public let originalLength: Int
    /// Byte offset of the record in the file.
    public let fileOffset: Int64
    /// The captured bytes (borrowed).
    public let bytes: UnsafeRawBufferPointer

    /// An owned copy that may outlive the callback.
    public func copy() -> PcapPacket {
        PcapPacket(frameNumber: frameNumber, timestampNanos: timestampNanos, linkType: linkType,
                   originalLength: originalLength, data: Array(bytes))
    }
}

/// One captured frame with its bytes owned.
public struct PcapPacket: Sendable, Equatable {
    public var frameNumber: Int
    public var timestampNanos: Int64
    public var linkType: LinkType
    public var originalLength: Int
    public var data: [UInt8]

    public init(frameNumber: Int, timestampNanos: Int64, linkType: LinkType, originalLength: Int, data: [UInt8]) {
        self.frameNumber = frameNumber
        self.timestampNanos = timestampNanos
        self.linkType = linkType
        self.originalLength = originalLength
        self.data = data
    }
}

/// Streams frames out of a classic pcap (either byte order, µs or ns) or pcapng file.
///
/// Reads in large blocks into one reusable buffer, so the hot path (`forEachPacket`) allocates
/// nothing per packet. Declared lengths are checked against `maxRecordLength` before any buffer
/// grows, so a corrupt length field produces `PcapFileError.corrupt` instead of a huge allocation.
/// Not Sendable: it owns a file descriptor and a mutable buffer; use it from one thread.
public final class PcapFileReader {
    /// Which container format the file uses.
    public enum Format: Equatable, Sendable {
        case pcap(nanosecond: Bool, bigEndian: Bool)
        case pcapng
    }

    public private(set) var format: Format
    /// Link type of a classic pcap, or of the first pcapng interface once seen.
    public private(set) var linkType: LinkType
    /// Snapshot length of a classic pcap (0 for pcapng).
    public private(set) var snapshotLength: Int
    /// Largest record or block accepted; anything longer is reported as corrupt.
    public let maxRecordLength: Int
    /// Frames returned so far.
    public private(set) var framesRead = 0

    private let path: String
    private var fd: Int32 = -1
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var bufferFileOffset: Int64 = 0
    private var eof = false
    private var swapped = false
    private var nanosecond = false
    // pcapng section state
    private struct Interface { var linkType: LinkType; var snapLength: Int; var unitsPerSecond: UInt64; var decimalExponent: Int?; var offsetSeconds: Int64 }
    private var interfaces: [Interface] = []

    /// Opens `path`; reads and validates the file header.
    public init(path: String, bufferSize: Int = 4 << 20, maxRecordLength: Int = 16 << 20) throws(PcapFileError) {
        self.path = path
        self.maxRecordLength = maxRecordLength
        self.buffer = .allocate(byteCount: max(bufferSize, 64 << 10), alignment: 16)
        self.format = .pcapng
        self.linkType = .ethernet
        self.snapshotLength = 0
        fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let message = String(cString: strerror(errno))
            buffer.deallocate()
            buffer = .init(start: nil, count: 0)
            throw .io(path: path, message: message)
        }
        try readFileHeader()
    }

    /// Reads a capture held in memory (tests, fuzzing).
    public init(bytes: [UInt8], maxRecordLength: Int = 16 << 20) throws(PcapFileError) {
        self.path = "<memory>"
        self.maxRecordLength = maxRecordLength
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 16), alignment: 16)
        bytes.withUnsafeBytes { storage.copyMemory(from: $0) }
        self.buffer = storage
        self.end = bytes.count
        self.eof = true
        self.format = .pcapng
        self.linkType = .ethernet
        self.snapshotLength = 0
        try readFileHeader()
    }

    deinit {
        if fd >= 0 { close(fd) }
        buffer.deallocate()
    }

    /// Calls `body` for every remaining frame; the view's bytes are valid only during the call.
    public func forEachPacket(_ body: (PcapPacketView) throws -> Void) throws {
        while let view = try nextView() {
            try body(view)
        }
    }

    /// The next frame as an owned copy, or nil at the end of the file.
    public func next() throws(PcapFileError) -> PcapPacket? {
        try nextView()?.copy()
    }

    /// All remaining frames (convenient for small files and tests).
    public func readAll() throws(PcapFileError) -> [PcapPacket] {
        var out: [PcapPacket] = []
        while let p = try next() { out.append(p) }
        return out
    }

    /// The next frame borrowed from the buffer; valid until the next call.
    public func nextView() throws(PcapFileError) -> PcapPacketView? {
        switch format {
        case .pcap: return try nextClassic()
        case .pcapng: return try nextPcapng()
        }
    }

    // MARK: - Classic pcap

    private func readFileHeader() throws(PcapFileError) {
        let have = try ensure(4)
        guard have >= 4 else { throw .notACapture(magic: 0) }
        let raw = load32(0, swap: false)
        switch raw {
        case 0xa1b2_c3d4, 0xa1b2_3c4d, 0xd4c3_b2a1, 0x4d3c_b2a1:
            swapped = raw == 0xd4c3_b2a1 || raw == 0x4d3c_b2a1
            nanosecond = raw == 0xa1b2_3c4d || raw == 0x4d3c_b2a1
            try need(24, what: "pcap file header")
            snapshotLength = Int(load32(16))
            linkType = LinkType(rawValue: load32(20) & 0x03ff_ffff)  // upper bits carry FCS info
            // little-endian host: "not swapped" means the file is little-endian
            format = .pcap(nanosecond: nanosecond, bigEndian: swapped == (UInt32(1).littleEndian == 1))
            consume(24)
        case 0x0a0d_0d0a:
            format = .pcapng
            // the section header block is parsed by the block loop
        default:
            throw .notACapture(magic: UInt32(bigEndian: raw))
        }
    }

    private func nextClassic() throws(PcapFileError) -> PcapPacketView? {
        let have = try ensure(16)
        if have == 0 { return nil }
        let frame = framesRead + 1
        let recordOffset = currentOffset
        guard have >= 16 else { throw .truncated(frame: frame, offset: recordOffset, needed: 16, available: have) }
        let sec = Int64(load32(0))
        let frac = Int64(load32(4))
        let capLen = Int(load32(8))
        let origLen = Int(load32(12))
        if capLen > maxRecordLength {
            throw .corrupt(frame: frame, offset: recordOffset, reason: "captured length \(capLen) exceeds limit \(maxRecordLength)")
        }
        if nanosecond ? frac >= 1_000_000_000 : frac >= 1_000_000 {
            throw .corrupt(frame: frame, offset: recordOffset, reason: "sub-second timestamp field \(frac) out of range")
        }
        let available = try ensure(16 + capLen)
        guard available >= 16 + capLen else {
            throw .truncated(frame: frame, offset: recordOffset + 16, needed: capLen, available: available - 16)
        }
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[(start + 16)..<(start + 16 + capLen)])
        consume(16 + capLen)
        framesRead = frame
        return PcapPacketView(frameNumber: frame, timestampNanos: sec * 1_000_000_000 + (nanosecond ? frac : frac * 1000),
                              linkType: linkType, originalLength: max(origLen, capLen), fileOffset: recordOffset, bytes: bytes)
    }

    // MARK: - pcapng

    private func nextPcapng() throws(PcapFileError) -> PcapPacketView? {
        // Bounded: each iteration consumes at least one 12-byte block or returns/throws.
        while true {
            let have = try ensure(12)
            if have == 0 { return nil }
            let frame = framesRead + 1
            let blockOffset = currentOffset
            guard have >= 12 else { throw .truncated(frame: frame, offset: blockOffset, needed: 12, available: have) }
            var type = load32(0)
            if load32(0, swap: false) == 0x0a0d_0d0a {
                // Section header: the byte-order magic decides how this section is read.
                let bom = load32(8, swap: false)
                switch bom {
                case 0x1a2b_3c4d: swapped = false
                case 0x4d3c_2b1a: swapped = true
                default: throw .corrupt(frame: frame, offset: blockOffset, reason: "bad pcapng byte-order magic")
                }
                type = 0x0a0d_0d0a
                interfaces.removeAll()
            }
            let length = Int(load32(4))
            guard length >= 12, length % 4 == 0 else {
                throw .corrupt(frame: frame, offset: blockOffset, reason: "block length \(length) is not a multiple of 4 of at least 12")
            }
            guard length <= maxRecordLength else {
                throw .corrupt(frame: frame, offset: blockOffset, reason: "block length \(length) exceeds limit \(maxRecordLength)")
            }
            let available = try ensure(length)
            guard available >= length else {
                throw .truncated(frame: frame, offset: blockOffset, needed: length, available: available)
            }
            guard load32(length - 4) == UInt32(length) else {
                throw .corrupt(frame: frame, offset: blockOffset, reason: "trailing block length differs from leading one")
            }
            defer { consume(length) }
            switch type {
            case 0x0a0d_0d0a:
                continue
            case 1:  // interface description
                guard length >= 20 else { throw .corrupt(frame: frame, offset: blockOffset, reason: "short interface block") }
                var iface = Interface(linkType: LinkType(rawValue: UInt32(load16(8))), snapLength: Int(load32(12)),
                                      unitsPerSecond: 1_000_000, decimalExponent: 6, offsetSeconds: 0)
                parseInterfaceOptions(&iface, from: 16, to: length - 4)
                if interfaces.isEmpty { linkType = iface.linkType }
                interfaces.append(iface)
                continue
            case 6:  // enhanced packet
                guard length >= 32 else { throw .corrupt(frame: frame, offset: blockOffset, reason: "short enhanced packet block") }
                let ifIndex = Int(load32(8))
                guard ifIndex < interfaces.count else {
                    throw .corrupt(frame: frame, offset: blockOffset, reason: "packet names interface \(ifIndex) but only \(interfaces.count) described")
                }
                let ts = UInt64(load32(12)) << 32 | UInt64(load32(16))
                let capLen = Int(load32(20))
                let origLen = Int(load32(24))
                guard capLen <= length - 32 else {
                    throw .corrupt(frame: frame, offset: blockOffset, reason: "captured length \(capLen) overruns its block")
                }
                return makeView(frame: frame, offset: blockOffset, dataAt: 28, capLen: capLen, origLen: origLen, ts: ts, iface: interfaces[ifIndex])
            case 3:  // simple packet: the first interface, no timestamp
                guard length >= 16 else { throw .corrupt(frame: frame, offset: blockOffset, reason: "short simple packet block") }
                guard let iface = interfaces.first else {
                    throw .corrupt(frame: frame, offset: blockOffset, reason: "simple packet before any interface block")
                }
                let origLen = Int(load32(8))
                var capLen = min(origLen, length - 16)
                if iface.snapLength > 0 { capLen = min(capLen, iface.snapLength) }
                return makeView(frame: frame, offset: blockOffset, dataAt: 12, capLen: capLen, origLen: origLen, ts: 0, iface: iface)
            case 2:  // obsolete packet block
                guard length >= 32 else { throw .corrupt(frame: frame, offset: blockOffset, reason: "short packet block") }
                let ifIndex = Int(load16(8))
                guard ifIndex < interfaces.count else {
                    throw .corrupt(frame: frame, offset: blockOffset, reason: "packet names interface \(ifIndex) but only \(interfaces.count) described")
                }
                let ts = UInt64(load32(12)) << 32 | UInt64(load32(16))
                let capLen = Int(load32(20))
                guard capLen <= length - 32 else {
                    throw .corrupt(frame: frame, offset: blockOffset, reason: "captured length \(capLen) overruns its block")
                }
                return makeView(frame: frame, offset: blockOffset, dataAt: 28, capLen: capLen, origLen: Int(load32(24)), ts: ts, iface: interfaces[ifIndex])
            default:
                continue  // name resolution, statistics, custom blocks: not needed
            }
        }
    }

    private func makeView(frame: Int, offset: Int64, dataAt: Int, capLen: Int, origLen: Int, ts: UInt64, iface: Interface) -> PcapPacketView {
        framesRead = frame
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[(start + dataAt)..<(start + dataAt + capLen)])
        return PcapPacketView(frameNumber: frame, timestampNanos: Self.nanoseconds(ts, iface) , linkType: iface.linkType,
                              originalLength: max(origLen, capLen), fileOffset: offset, bytes: bytes)
    }

    private static func nanoseconds(_ ts: UInt64, _ iface: Interface) -> Int64 {
        let base = iface.offsetSeconds &* 1_000_000_000
        if let exp = iface.decimalExponent {
            if exp <= 9 {
                var m: UInt64 = 1
                for _ in 0..<(9 - exp) { m *= 10 }
                return base &+ Int64(truncatingIfNeeded: ts &* m)
            }
            var d: UInt64 = 1
            for _ in 0..<min(exp - 9, 19) { d *= 10 }
            return base &+ Int64(truncatingIfNeeded: ts / d)
        }
        let units = iface.unitsPerSecond
        let whole = ts / units, rest = ts % units
        let frac = UInt64(Double(rest) * 1e9 / Double(units))
        return base &+ Int64(truncatingIfNeeded: whole &* 1_000_000_000 &+ frac)
    }

    private func parseInterfaceOptions(_ iface: inout Interface, from: Int, to: Int) {
        var at = from
        var guardCount = 0
        while at + 4 <= to, guardCount < 4096 {
            guardCount += 1
            let code = load16(at), len = Int(load16(at + 2))
            if code == 0 { break }
            let value = at + 4
            guard value + len <= to else { break }
            if code == 9, len >= 1 {  // if_tsresol
                let v = buffer[start + value]
                if v & 0x80 == 0 {
                    iface.decimalExponent = Int(v)
                } else {
                    iface.decimalExponent = nil
                    iface.unitsPerSecond = 1 << UInt64(min(Int(v & 0x7f), 63))
                }
            } else if code == 14, len >= 8 {  // if_tsoffset
                iface.offsetSeconds = Int64(bitPattern: UInt64(load32(value)) << 32 | UInt64(load32(value + 4)))
                if !swapped && UInt32(1).littleEndian == 1 {
                    // little-endian section: the 64-bit value's low word comes first
                    iface.offsetSeconds = Int64(bitPattern: UInt64(load32(value + 4)) << 32 | UInt64(load32(value)))
                }
            }
            at = value + (len + 3) & ~3
        }
    }

    // MARK: - Buffer

    private var currentOffset: Int64 { bufferFileOffset + Int64(start) }

    @inline(__always)
    private func load32(_ at: Int, swap: Bool? = nil) -> UInt32 {
        let v = buffer.loadUnaligned(fromByteOffset: start + at, as: UInt32.self)
        return (swap ?? swapped) ? v.byteSwapped : v
    }

    @inline(__always)
    private func load16(_ at: Int) -> UInt16 {
        let v = buffer.loadUnaligned(fromByteOffset: start + at, as: UInt16.self)
        return swapped ? v.byteSwapped : v
    }

    @inline(__always)
    private func consume(_ n: Int) { start += n }

    private func need(_ n: Int, what: String) throws(PcapFileError) {
        let have = try ensure(n)
        if have < n { throw .truncated(frame: 0, offset: currentOffset, needed: n, available: have) }
    }

    /// Makes at least `n` bytes readable if the file has them; returns how many are readable.
    private func ensure(_ n: Int) throws(PcapFileError) -> Int {
        if end - start >= n || eof { return end - start }
        if n > buffer.count {
            // Only reached for records already checked against maxRecordLength.
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(n, buffer.count * 2), alignment: 16)
            bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
            buffer.deallocate()
            buffer = bigger
            bufferFileOffset += Int64(start)
            end -= start
            start = 0
        } else if start > 0 {
            let count = end - start
            if count > 0, let base = buffer.baseAddress {
                memmove(base, base + start, count)
            }
            bufferFileOffset += Int64(start)
            start = 0
            end = count
        }
        while end - start < n, !eof {
            guard let base = buffer.baseAddress else { break }
            let got = read(fd, base + end, buffer.count - end)
            if got < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, message: String(cString: strerror(errno)))
            }
            if got == 0 { eof = true } else { end += got }
        }
        return end - start
    }
}
