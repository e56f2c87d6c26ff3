import Foundation
import ForwardProtocol
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `<buffer @type file>`: one data file and one metadata file per chunk in the `path` directory, loosely after
/// Fluentd's layout: `buffer.b<hex>.log` (staged) / `buffer.q<hex>.log` (queued), each with `<file>.meta`.
///
/// Durability policy (correctness first):
/// * every append is one `write(2)` of the appended bytes (in the page cache at once, so a `kill -9` of the
///   process loses nothing that `append` returned for);
/// * the metadata (tag, creation time, id) is written and fsynced when the chunk is created, and rewritten
///   atomically (temp file + rename) when it is enqueued;
/// * enqueue fsyncs the data file before renaming `b` → `q`, then fsyncs the directory.
/// A power loss can lose the unsynced tail of staged chunks; the restart then truncates any torn tail.
///
/// Recovery (`recover()`): text chunks are validated by scanning their entries; an incomplete or invalid tail is
/// truncated with a warning naming the file. Gzip chunks are validated by decompressing; a broken one is renamed to
/// `*.corrupt` with a warning. A data file without readable metadata is renamed `*.corrupt` too. Nothing crashes.
///
/// `@unchecked Sendable` is safe: `AgentBuffer` calls every method with its lock held; `fds` is only touched there.
public final class FileChunkStore: ChunkStore, @unchecked Sendable {
    /// The metadata file's content.
    struct Meta: Codable {
        var id: String
        var tag: String
        var created: Int64
        var records: Int?
        var bytes: Int?
    }

    public let directory: String
    /// The codec chunk files are written with (one gzip member or zstd frame per append); nil: plain entries.
    public let compression: ForwardCompression?
    private var fds: [ChunkID: Int32] = [:]
    /// Warnings from recovery, for the agent's log.
    public private(set) var recoveryLogs: [CoreLog] = []

    /// Creates the directory if needed.
    public init(directory: String, compression: ForwardCompression?) throws {
        self.directory = directory
        self.compression = compression
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    private func path(_ id: ChunkID, queued: Bool) -> String {
        "\(directory)/buffer.\(queued ? "q" : "b")\(id.hex).log"
    }

    public func create(id: ChunkID, tag: String, createdAt: Int64) throws {
        let p = path(id, queued: false)
        let fd = open(p, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileChunkStoreError.io("open \(p): errno \(errno)") }
        fds[id] = fd
        try writeMeta(Meta(id: id.hex, tag: tag, created: createdAt, records: nil, bytes: nil), to: p + ".meta")
    }

    public func append(id: ChunkID, bytes: ByteBuffer) throws {
        guard let fd = fds[id] else { throw FileChunkStoreError.io("chunk \(id.hex) is not open") }
        try bytes.withUnsafeReadableBytes { raw in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileChunkStoreError.io("write chunk \(id.hex): errno \(errno)")
                }
                off += n
            }
        }
    }

    public func enqueue(id: ChunkID, tag: String, createdAt: Int64, records: Int, bytes: Int) throws {
        let from = path(id, queued: false)
        let to = path(id, queued: true)
        if let fd = fds.removeValue(forKey: id) {
            fsync(fd)
            closeFD(fd)
        } else if !FileManager.default.fileExists(atPath: from) {
            // A chunk that never got a file (e.g. created before a failure): nothing to move.
            return
        }
        try writeMeta(Meta(id: id.hex, tag: tag, created: createdAt, records: records, bytes: bytes), to: to + ".meta")
        guard rename(from, to) == 0 else { throw FileChunkStoreError.io("rename \(from): errno \(errno)") }
        unlink(from + ".meta")
        syncDirectory()
    }

    public func purge(id: ChunkID) {
        if let fd = fds.removeValue(forKey: id) { closeFD(fd) }
        for q in [false, true] {
            let p = path(id, queued: q)
            unlink(p)
            unlink(p + ".meta")
        }
    }

    public func close() {
        for (_, fd) in fds { closeFD(fd) }
        fds.removeAll()
    }

    public func recover() -> [RecoveredChunk] {
        recoveryLogs = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var queued: [RecoveredChunk] = []
        var staged: [RecoveredChunk] = []
        for name in names.sorted() where name.hasPrefix("buffer.") && name.hasSuffix(".log") {
            let isQueued = name.hasPrefix("buffer.q")
            guard name.hasPrefix("buffer.q") || name.hasPrefix("buffer.b") else { continue }
            let p = "\(directory)/\(name)"
            if let chunk = recoverOne(path: p, queued: isQueued) {
                if isQueued { queued.append(chunk) } else { staged.append(chunk) }
            }
        }
        return queued.sorted { $0.id < $1.id } + staged.sorted { $0.id < $1.id }
    }

    private func recoverOne(path p: String, queued: Bool) -> RecoveredChunk? {
        guard let metaData = FileManager.default.contents(atPath: p + ".meta"),
              let meta = try? JSONDecoder().decode(Meta.self, from: metaData),
              let id = Self.chunkID(hex: meta.id)
        else {
            warn("buffer chunk metadata missing or unreadable, chunk skipped", p)
            quarantine(p)
            return nil
        }
        guard let data = FileManager.default.contents(atPath: p) else {
            warn("buffer chunk file unreadable, chunk skipped", p)
            quarantine(p)
            return nil
        }
        var payload = ByteBuffer(bytes: data)
        var records = 0
        if let compression {
            guard let plain = try? compression.decompress(payload) else {
                warn("buffer chunk has an invalid \(compression.optionValue) tail, chunk moved aside", p)
                quarantine(p)
                return nil
            }
            records = Self.countEntries(plain).count
        } else {
            let (count, validLength) = Self.countEntries(payload)
            records = count
            if validLength < payload.readableBytes {
                warn("buffer chunk has an incomplete or invalid tail of \(payload.readableBytes - validLength) bytes, truncated", p)
                truncate(p, off_t(validLength))
                payload = payload.getSlice(at: payload.readerIndex, length: validLength)!
            }
        }
        if records == 0 {
            unlink(p)
            unlink(p + ".meta")
            return nil
        }
        return RecoveredChunk(id: id, tag: meta.tag, createdAt: meta.created, records: records, payload: payload, wasQueued: queued)
    }

    /// Complete top-level entries at the start of `bytes` and the byte length they span.
    static func countEntries(_ bytes: ByteBuffer) -> (count: Int, length: Int) {
        var scanner = MessagePackFrameScanner()
        var view = bytes
        var count = 0
        var length = 0
        while view.readableBytes > 0 {
            guard case let .frame(n)? = try? scanner.scan(view) else { break }
            scanner.reset()
            // An entry must be a 2-element array (0x92); anything else is corruption.
            guard view.getInteger(at: view.readerIndex, as: UInt8.self) == 0x92 else { break }
            view.moveReaderIndex(forwardBy: n)
            length += n
            count += 1
        }
        return (count, length)
    }

    static func chunkID(hex: String) -> ChunkID? {
        guard hex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            guard let b = UInt8(hex[i..<j], radix: 16) else { return nil }
            bytes.append(b)
            i = j
        }
        return ChunkID(bytes: bytes)
    }

    private func warn(_ what: String, _ path: String) {
        recoveryLogs.append(CoreLog(.warn, "\(what) path=\(RubyInspect.string(path))"))
    }

    private func quarantine(_ p: String) {
        rename(p, p + ".corrupt")
    }

    private func writeMeta(_ meta: Meta, to p: String) throws {
        let data = try JSONEncoder().encode(meta)
        let tmp = p + ".tmp"
        let fd = open(tmp, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileChunkStoreError.io("open \(tmp): errno \(errno)") }
        let ok = data.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) == $0.count }
        fsync(fd)
        closeFD(fd)
        guard ok, rename(tmp, p) == 0 else { throw FileChunkStoreError.io("write \(p): errno \(errno)") }
    }

    private func syncDirectory() {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            closeFD(fd)
        }
    }
}

/// File buffer I/O failures.
public enum FileChunkStoreError: Error, Sendable, CustomStringConvertible {
    case io(String)
    public var description: String {
        switch self { case .io(let m): "buffer file error: \(m)" }
    }
}

/// `close(2)`, reachable from inside a type that has its own `close()`.
private func closeFD(_ fd: Int32) {
    _ = close(fd)
}
