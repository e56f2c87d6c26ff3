import Foundation
import NIOCore

/// `<secondary>` file output in the style of `secondary_file`: each chunk's bytes (concatenated MessagePack entries,
/// or gzip members with `compress gzip`) go to `<directory>/<basename>.<tag>.<chunk id hex>` (docs/forward-protocol.md, "Secondary"). Blocking I/O:
/// call it off the event loop.
public struct SecondaryFileOutput: Sendable {
    public let settings: SecondaryFileSettings

    public init(settings: SecondaryFileSettings) {
        self.settings = settings
    }

    /// The file a chunk is written to.
    public func path(tag: String, chunk: ChunkID) -> String {
        let safeTag = String(tag.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" ? $0 : "_" })
        return "\(settings.directory)/\(settings.basename).\(safeTag).\(chunk.hex)"
    }

    /// Writes one chunk; throws on I/O errors (the caller rolls the chunk back).
    public func write(tag: String, chunk: ChunkID, payload: ByteBuffer) throws {
        try FileManager.default.createDirectory(atPath: settings.directory, withIntermediateDirectories: true)
        let p = path(tag: tag, chunk: chunk)
        let data = payload.withUnsafeReadableBytes { Data($0) }
        guard FileManager.default.createFile(atPath: p, contents: data) else {
            throw FileChunkStoreError.io("cannot write secondary file \(p)")
        }
    }
}
