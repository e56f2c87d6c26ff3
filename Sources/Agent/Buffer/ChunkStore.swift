import NIOCore

/// Where buffer chunk bytes are persisted, keyed by the chunk's wire id. `AgentBuffer` keeps the bytes in memory
/// for zero-copy sends and calls these hooks (under its lock) so a durable store can survive a restart.
public protocol ChunkStore: AnyObject, Sendable {
    /// A new staged chunk for `tag`.
    func create(id: ChunkID, tag: String, createdAt: Int64) throws
    /// Bytes appended to a staged chunk (one buffer append).
    func append(id: ChunkID, bytes: ByteBuffer) throws
    /// The staged chunk moved to the queue with its final size.
    func enqueue(id: ChunkID, tag: String, createdAt: Int64, records: Int, bytes: Int) throws
    /// The chunk was committed or dropped: forget it.
    func purge(id: ChunkID)
    /// Chunks found at start (queued first, then staged, each in id order).
    func recover() -> [RecoveredChunk]
    /// Called once at stop (close files).
    func close()
}

/// A chunk found by `ChunkStore.recover()`.
public struct RecoveredChunk: Sendable {
    public var id: ChunkID
    public var tag: String
    public var createdAt: Int64
    public var records: Int
    public var payload: ByteBuffer
    /// Whether it was already queued (`q` file) rather than staged (`b` file).
    public var wasQueued: Bool

    public init(id: ChunkID, tag: String, createdAt: Int64, records: Int, payload: ByteBuffer, wasQueued: Bool) {
        self.id = id
        self.tag = tag
        self.createdAt = createdAt
        self.records = records
        self.payload = payload
        self.wasQueued = wasQueued
    }
}

/// `<buffer @type memory>`: nothing is persisted.
public final class MemoryChunkStore: ChunkStore {
    public init() {}
    public func create(id: ChunkID, tag: String, createdAt: Int64) throws {}
    public func append(id: ChunkID, bytes: ByteBuffer) throws {}
    public func enqueue(id: ChunkID, tag: String, createdAt: Int64, records: Int, bytes: Int) throws {}
    public func purge(id: ChunkID) {}
    public func recover() -> [RecoveredChunk] { [] }
    public func close() {}
}
