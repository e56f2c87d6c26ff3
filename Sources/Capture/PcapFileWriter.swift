#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes frames to a classic pcap (µs or ns) or pcapng file, little-endian, through a large buffer.
///
/// Used to build golden and benchmark captures synthetically. Not Sendable: it owns a file
/// descriptor and a buffer; use it from one thread and call `close()` when done.
public final class PcapFileWriter {
    /// Container format to write.
    public enum Format: Sendable, Equatable {
        case pcap
        case pcapNanosecond
        case pcapng
    }

    public let format: Format
    public let linkType: LinkType
    public let snapshotLength: Int
    /// Frames written so far.
    public private(set) var framesWritten = 0

    private var fd: Int32 = -1
    private let path: String
    private var pending: [UInt8] = []
    private let flushThreshold: Int
    private var memory: [UInt8]?

    /// Creates (truncates) `path` and writes the file header.
    public init(path: String, format: Format = .pcapNanosecond, linkType: LinkType = .ethernet,
                snapshotLength: Int = 262_144, bufferSize: Int = 1 << 20) throws(PcapFileError) {
        self.path = path
        self.format = format
        self.linkType = linkType
        self.snapshotLength = snapshotLength
        self.flushThreshold = bufferSize
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw .io(path: path, message: String(cString: strerror(errno))) }
        pending.reserveCapacity(bufferSize + 65_536)
        writeHeader()
    }

    /// Writes into memory; read the result with `bytes` (tests).
    public init(inMemory format: Format = .pcapNanosecond, linkType: LinkType = .ethernet, snapshotLength: Int = 262_144) {
        self.path = "<memory>"
        self.format = format
        self.linkType = linkType
        self.snapshotLength = snapshotLength
        self.flushThreshold = Int.max
        self.memory = []
        writeHeader()
    }

    deinit {
        if fd >= 0 {
            try? flush()
            Glibc.close(fd)
        }
    }

    /// The file content so far (in-memory writers only).
    public var bytes: [UInt8] { (memory ?? []) + pending }

    /// Appends one frame captured at `timestampNanos` (ns since the epoch).
    public func write(timestampNanos: Int64, frame: [UInt8], originalLength: Int? = nil) throws(PcapFileError) {
        let result = frame.withUnsafeBytes { raw in
            Result { () throws(PcapFileError) in
                try write(timestampNanos: timestampNanos, bytes: raw, originalLength: originalLength)
            }
        }
        try result.get()
    }

    /// Appends one frame from borrowed bytes (no intermediate copy).
    public func write(timestampNanos: Int64, bytes: UnsafeRawBufferPointer, originalLength: Int? = nil) throws(PcapFileError) {
        let capLen = min(bytes.count, snapshotLength)
        let origLen = originalLength ?? bytes.count
        let ts = max(timestampNanos, 0)
        switch format {
        case .pcap, .pcapNanosecond:
            append32(UInt32(truncatingIfNeeded: ts / 1_000_000_000))
            let frac = ts % 1_000_000_000
            append32(UInt32(format == .pcap ? frac / 1000 : frac))
            append32(UInt32(capLen))
            append32(UInt32(truncatingIfNeeded: origLen))
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<capLen]))
        case .pcapng:
            let padded = (capLen + 3) & ~3
            let total = 32 + padded
            append32(6)
            append32(UInt32(total))
            append32(0)  // interface 0
            let units = UInt64(ts)  // if_tsresol 9 → nanoseconds
            append32(UInt32(units >> 32))
            append32(UInt32(truncatingIfNeeded: units))
            append32(UInt32(capLen))
            append32(UInt32(truncatingIfNeeded: origLen))
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<capLen]))
            for _ in capLen..<padded { pending.append(0) }
            append32(UInt32(total))
        }
        framesWritten += 1
        if pending.count >= flushThreshold { try flush() }
    }

    /// Writes buffered bytes to the file.
    public func flush() throws(PcapFileError) {
        if memory != nil {
            memory!.append(contentsOf: pending)
            pending.removeAll(keepingCapacity: true)
            return
        }
        guard fd >= 0 else { return }
        var done = 0
        let total = pending.count
        while done < total {
            let n = pending.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, total - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, message: String(cString: strerror(errno)))
            }
            done += n
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes the file.
    public func close() throws(PcapFileError) {
        try flush()
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    private func writeHeader() {
        switch format {
        case .pcap, .pcapNanosecond:
            append32(format == .pcap ? 0xa1b2_c3d4 : 0xa1b2_3c4d)
            append16(2); append16(4)
            append32(0); append32(0)
            append32(UInt32(snapshotLength))
            append32(linkType.rawValue)
        case .pcapng:
            // Section header: no options, section length unknown (-1).
            append32(0x0a0d_0d0a); append32(28); append32(0x1a2b_3c4d)
            append16(1); append16(0)
            append32(0xffff_ffff); append32(0xffff_ffff)
            append32(28)
            // Interface description with if_tsresol = 9 (nanoseconds).
            append32(1); append32(32)
            append16(UInt16(truncatingIfNeeded: linkType.rawValue)); append16(0)
            append32(UInt32(snapshotLength))
            append16(9); append16(1); pending.append(contentsOf: [9, 0, 0, 0])
            append16(0); append16(0)
            append32(32)
        }
    }

    @inline(__always) private func append32(_ v: UInt32) {
        pending.append(UInt8(v & 0xff)); pending.append(UInt8(v >> 8 & 0xff))
        pending.append(UInt8(v >> 16 & 0xff)); pending.append(UInt8(v >> 24))
    }

    @inline(__always) private func append16(_ v: UInt16) {
        pending.append(UInt8(v & 0xff)); pending.append(UInt8(v >> 8))
    }
}
