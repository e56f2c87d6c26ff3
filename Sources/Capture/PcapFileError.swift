/// Why a capture file could not be read; every case names where reading stopped.
public enum PcapFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read (errno text).
    case io(path: String, message: String)
    /// The first four bytes are neither a pcap nor a pcapng magic.
    case notACapture(magic: UInt32)
    /// The file ends inside a header or record: `needed` bytes at `offset`, only `available` present.
    case truncated(frame: Int, offset: Int64, needed: Int, available: Int)
    /// A header field is impossible (e.g. a record longer than any snapshot length).
    case corrupt(frame: Int, offset: Int64, reason: String)

    public var description: String {
        switch self {
        case let .io(path, message): return "cannot read \(path): \(message)"
        case let .notACapture(magic):
            return "not a pcap/pcapng file (magic 0x\(String(magic, radix: 16)))"
        case let .truncated(frame, offset, needed, available):
            return "capture truncated in frame \(frame) at byte offset \(offset): needed \(needed) bytes, \(available) left"
        case let .corrupt(frame, offset, reason):
            return "corrupt capture in frame \(frame) at byte offset \(offset): \(reason)"
        }
    }
}
