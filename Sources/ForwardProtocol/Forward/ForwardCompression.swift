import NIOCore

/// The codec of a CompressedPackedForward blob, named by the request option `compressed` (docs/forward-protocol.md,
/// "Carrier modes"). Which values a receiver treats as compressed depends on its release (`FluentdReleaseProfile`).
public enum ForwardCompression: Sendable, Hashable {
    /// Concatenated gzip members (every release).
    case gzip
    /// Concatenated zstd frames (1.19).
    case zstd
    /// A value no release decodes (e.g. `lz4`): 1.19's in_forward takes it as a codec name and fails on it.
    case unknown(String)

    /// The codec an option value names.
    public init(optionValue: String) {
        switch optionValue {
        case "gzip": self = .gzip
        case "zstd": self = .zstd
        default: self = .unknown(optionValue)
        }
    }

    /// The option value that names this codec.
    public var optionValue: String {
        switch self {
        case .gzip: return "gzip"
        case .zstd: return "zstd"
        case let .unknown(name): return name
        }
    }

    /// Decodes every member or frame of `blob`, bounded by `maxSize` (a decompression-bomb limit).
    public func decompress(_ blob: ByteBuffer, maxSize: Int = 256 << 20) throws -> ByteBuffer {
        switch self {
        case .gzip: return try GzipMembers.decompress(blob, maxSize: maxSize)
        case .zstd: return try ZstdFrames.decompress(blob, maxSize: maxSize)
        case let .unknown(name): throw ForwardProtocolError.unknownCompression(name)
        }
    }

    /// Compresses one buffer write as one gzip member or zstd frame.
    public func compress(_ bytes: ByteBuffer) throws -> ByteBuffer {
        switch self {
        case .gzip: return try GzipMembers.compress(bytes)
        case .zstd: return try ZstdFrames.compress(bytes)
        case let .unknown(name): throw ForwardProtocolError.unknownCompression(name)
        }
    }
}
