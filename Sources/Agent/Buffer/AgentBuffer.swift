import ForwardProtocol
import NIOConcurrencyHelpers
import NIOCore

/// The output's buffer: the core's `BufferQueue` (sizes and decisions) plus the chunk bytes, behind one lock so
/// inputs on any thread append while the flusher on the event loop dequeues.
///
/// Hot path: an event is encoded straight into the staged chunk's `ByteBuffer` (no per-event allocation once the
/// chunk has grown); queued chunks are handed to the socket as that same buffer (zero copy).
///
/// `@unchecked Sendable` is safe: every stored property is either immutable or only touched while `lock` is held.
public final class AgentBuffer: @unchecked Sendable {
    /// A chunk handed to the flusher.
    public struct Flushable: Sendable {
        /// The id the queue knows.
        public var id: ChunkID
        /// The id sent on the wire and persisted (differs from `id` only for chunks recovered at start).
        public var wireID: ChunkID
        public var tag: String
        public var records: Int
        public var payload: ByteBuffer
    }

    /// Outcome of an append.
    public enum AppendOutcome: Sendable, Equatable {
        /// Stored; `enqueued` chunks became flushable; `queued`: some chunk is queued now (emit_buffered's wake test).
        case stored(enqueued: Int, queued: Bool)
        /// overflow_action throw_exception (BufferOverflowError).
        case overflow
        /// overflow_action block: retry when space frees.
        case mustWait
    }

    private let lock = NIOLock()
    private var queue: BufferQueue
    private var payloads: [ChunkID: ByteBuffer] = [:]
    private var records: [ChunkID: Int] = [:]
    /// queue id → wire id for recovered chunks.
    private var aliases: [ChunkID: ChunkID] = [:]
    private let store: any ChunkStore
    private let persistent: Bool
    public let settings: BufferSettings
    /// The codec of every append (one gzip member or zstd frame each); nil stores plain entries.
    public let compression: ForwardCompression?
    public let timeAsInteger: Bool
    /// Warnings produced by appends (overflow, drops), drained by the agent's logger.
    private var pendingLogs: [CoreLog] = []
    /// Buffers of purged chunks, reused for new chunks so their pages stay resident (no page faults or zeroing per
    /// chunk on the hot path). At most `maxSpare`, and only while they fit under `total_limit_size` beside what the
    /// buffer holds: the cap bounds the memory of the chunks, spare or not.
    private var spare: [ByteBuffer] = []
    private var spareBytes = 0
    private let maxSpare: Int
    private var droppedChunks = 0

    public init(settings: BufferSettings, store: any ChunkStore, compression: ForwardCompression?, timeAsInteger: Bool, rng: SeededRandom) {
        self.settings = settings
        self.store = store
        self.persistent = !(store is MemoryChunkStore)
        self.compression = compression
        self.timeAsInteger = timeAsInteger
        self.queue = BufferQueue(settings: settings, rng: rng)
        self.maxSpare = 2 + max(1, settings.flushThreadCount)
    }

    // MARK: - Inputs

    /// Appends one event (the record already MessagePack-encoded) to the staged chunk of `tag`.
    public func append(tag: String, time: EventTime, record: ByteBuffer, now: AgentSeconds) -> AppendOutcome {
        if compression != nil {
            var entry = ByteBuffer()
            writeEntry(time: time, record: record, into: &entry)
            return appendEncoded(tag: tag, entries: entry, count: 1, now: now)
        }
        let size = 1 + timeSize(time) + record.readableBytes
        if let outcome = lock.withLock({ appendLocked(tag: tag, bytes: size, records: 1, now: now) { writeEntry(time: time, record: record, into: &$0) } }) {
            return outcome
        }
        lock.withLock { pendingLogs.append(CoreLog(.warn, "a record size is larger than chunk limit size chunk_limit_size=\(settings.chunkLimitSize)")) }
        return .overflow
    }

    /// The queue decision for one append and, when stored, the write into the chunk (and its file); nil when the
    /// append is larger than a chunk (the caller splits or refuses). Call with `lock` held.
    private func appendLocked(tag: String, bytes: Int, records count: Int, now: AgentSeconds,
                              write: (inout ByteBuffer) -> Void) -> AppendOutcome? {
        switch queue.append(tag: tag, bytes: bytes, records: count, now: now) {
        case let .stored(into, enqueued, dropped, logs):
            if !logs.isEmpty { pendingLogs.append(contentsOf: logs) }
            purgeDropped(dropped)
            if payloads[into] == nil { startChunk(into, tag: tag, now: now) }
            trimSpares()
            let start = payloads[into]!.writerIndex
            write(&payloads[into]!)
            records[into, default: 0] += count
            if persistent {
                persistAppend(into, payloads[into]!.getSlice(at: start, length: payloads[into]!.writerIndex - start)!)
            }
            persistEnqueued(enqueued)
            return .stored(enqueued: enqueued.count, queued: !queue.queue.isEmpty)
        case let .overflow(logs):
            pendingLogs.append(contentsOf: logs)
            return .overflow
        case let .mustWait(logs):
            pendingLogs.append(contentsOf: logs)
            return .mustWait
        case .chunkTooLarge:
            return nil
        }
    }

    /// Appends pre-encoded entries (concatenated `[time, record]`, e.g. a PackedForward blob relayed unchanged;
    /// docs/forward-protocol.md, "Sending a chunk") counting `count` records. Larger than a chunk → split at entry
    /// boundaries (write_step_by_step).
    public func appendEncoded(tag: String, entries: ByteBuffer, count: Int, now: AgentSeconds) -> AppendOutcome {
        let stored: ByteBuffer
        if let compression {
            guard let z = try? compression.compress(entries) else {
                lock.withLock { pendingLogs.append(CoreLog(.error, "failed to compress buffer append")) }
                return .overflow
            }
            stored = z
        } else {
            stored = entries
        }
        let outcome = lock.withLock {
            appendLocked(tag: tag, bytes: stored.readableBytes, records: count, now: now) { chunk in
                var copy = stored
                chunk.writeBuffer(&copy)
            }
        }
        if let outcome { return outcome }
        // Split: only text entries can be split (gzip members and zstd frames are opaque), at entry boundaries.
        guard compression == nil, count > 1 else {
            lock.withLock { pendingLogs.append(CoreLog(.warn, "a record size is larger than chunk limit size chunk_limit_size=\(settings.chunkLimitSize)")) }
            return .overflow
        }
        var pieces: [(ByteBuffer, Int)] = []
        var rest = entries
        var scanner = MessagePackFrameScanner()
        var piece = rest.readerIndex
        var pieceCount = 0
        var offset = 0
        let limit = max(1, settings.chunkLimitSize / 2)
        while rest.readableBytes > offset {
            var view = rest
            view.moveReaderIndex(forwardBy: offset)
            guard case let .frame(length)? = try? scanner.scan(view) else { break }
            scanner.reset()
            if offset + length > limit && pieceCount > 0 {
                pieces.append((rest.getSlice(at: piece, length: offset)!, pieceCount))
                rest.moveReaderIndex(forwardBy: offset)
                piece = rest.readerIndex
                offset = 0
                pieceCount = 0
                continue
            }
            offset += length
            pieceCount += 1
        }
        if pieceCount > 0 { pieces.append((rest.getSlice(at: piece, length: offset)!, pieceCount)) }
        var enqueued = 0
        var queued = false
        for (bytes, n) in pieces {
            switch appendEncoded(tag: tag, entries: bytes, count: n, now: now) {
            case let .stored(e, q):
                enqueued += e
                queued = q
            case let other: return other
            }
        }
        return .stored(enqueued: enqueued, queued: queued)
    }

    /// Whether an append would currently be accepted (`storable?`).
    public var isStorable: Bool { lock.withLock { queue.isStorable } }

    // MARK: - Flusher

    /// Moves staged chunks whose flush_interval elapsed to the queue; returns how many.
    @discardableResult
    public func enqueueDue(now: AgentSeconds) -> Int {
        lock.withLock {
            let ids = queue.enqueueDue(now: now)
            persistEnqueued(ids)
            return ids.count
        }
    }

    /// Enqueues every staged chunk (flush, flush_at_shutdown).
    @discardableResult
    public func enqueueAll() -> Int {
        lock.withLock {
            let ids = queue.enqueueAll(force: true)
            persistEnqueued(ids)
            return ids.count
        }
    }

    /// The head of the queue, now owned by the flusher.
    public func dequeue() -> Flushable? {
        lock.withLock {
            guard let c = queue.dequeue() else { return nil }
            let payload = payloads[c.id] ?? ByteBuffer()
            return Flushable(id: c.id, wireID: aliases[c.id] ?? c.id, tag: c.tag, records: records[c.id] ?? c.records, payload: payload)
        }
    }

    /// takeback: the chunk goes back to the head of the queue (false if already purged or queued).
    @discardableResult
    public func takeBack(_ id: ChunkID) -> Bool { lock.withLock { queue.takeBack(id) } }

    /// commit: purge the chunk and its bytes (false if unknown).
    @discardableResult
    public func commit(_ id: ChunkID) -> Bool {
        lock.withLock {
            guard queue.commit(id) else { return false }
            forget(id)
            return true
        }
    }

    /// "Hit limit for retries": purge every queued chunk; returns their ids.
    public func clearQueue() -> [ChunkID] {
        lock.withLock {
            let ids = queue.clearQueue()
            for id in ids { forget(id) }
            return ids
        }
    }

    /// The queue id of a wire id (identity unless the chunk was recovered).
    public func queueID(forWire wire: ChunkID) -> ChunkID {
        lock.withLock { aliases.first(where: { $0.value == wire })?.key ?? wire }
    }

    /// Counts for status and tests.
    public struct Stats: Sendable, Equatable {
        public var stagedChunks: Int
        public var queuedChunks: Int
        public var dequeuedChunks: Int
        public var stageBytes: Int
        public var queueBytes: Int
        public var droppedChunks: Int
    }

    public var stats: Stats {
        lock.withLock {
            Stats(stagedChunks: queue.staged.count, queuedChunks: queue.queue.count, dequeuedChunks: queue.dequeued.count,
                  stageBytes: queue.stageSize, queueBytes: queue.queueSize, droppedChunks: droppedChunks)
        }
    }

    /// Whether nothing is staged, queued or in flight.
    public var isEmpty: Bool {
        lock.withLock { queue.staged.values.allSatisfy { $0.records == 0 } && queue.queue.isEmpty && queue.dequeued.isEmpty }
    }

    /// Whether some chunk is queued.
    public var hasQueued: Bool { lock.withLock { !queue.queue.isEmpty } }

    /// Records in queued chunks (`queued_records`, logged when the retry limit drops the queue).
    public var queuedRecords: Int { lock.withLock { queue.queue.reduce(0) { $0 + (records[$1.id] ?? $1.records) } } }

    /// Takes the warnings accumulated by appends.
    public func drainLogs() -> [CoreLog] {
        lock.withLock {
            defer { pendingLogs.removeAll() }
            return pendingLogs
        }
    }

    /// Loads chunks the store found at start (all are queued so they are resent first). Returns the count and
    /// any warnings.
    public func restore(_ recovered: [RecoveredChunk], now: AgentSeconds) -> (restored: Int, logs: [CoreLog]) {
        lock.withLock {
            var logs: [CoreLog] = []
            var n = 0
            for r in recovered {
                // Each recovered chunk is re-appended as one append into a fresh staged chunk and enqueued at once,
                // keeping its original id on the wire and on disk through `aliases`.
                _ = queue.enqueueAll(force: true)
                switch queue.append(tag: r.tag, bytes: r.payload.readableBytes, records: r.records, now: now) {
                case let .stored(into, _, _, _):
                    payloads[into] = r.payload
                    records[into] = r.records
                    aliases[into] = r.id
                    _ = queue.enqueueAll(force: true)
                    n += 1
                default:
                    logs.append(CoreLog(.warn, "buffer is full: recovered chunk left on disk chunk_id=\(RubyInspect.string(r.id.hex))"))
                }
            }
            return (n, logs)
        }
    }

    /// Closes the store (files stay on disk).
    public func close() { lock.withLock { store.close() } }

    // MARK: - Internals (lock held)

    private func startChunk(_ id: ChunkID, tag: String, now: AgentSeconds) {
        if var b = spare.popLast() {
            spareBytes -= b.capacity
            b.clear()  // keeps the storage: the spare's last other reference (the send) is gone by now
            payloads[id] = b
        } else {
            // Reserved whole, in its own mapping: pages become resident as the chunk is written, and it never grows
            // by reallocation (up to the reservation's cap).
            payloads[id] = ChunkMemory.buffer(capacity: min(settings.chunkLimitSize, Self.reservationCap))
        }
        records[id] = 0
        do {
            try store.create(id: id, tag: tag, createdAt: Int64(now.rounded(.down)))
        } catch {
            pendingLogs.append(CoreLog(.error, "failed to create buffer chunk file chunk_id=\(RubyInspect.string(id.hex)) error=\(RubyInspect.string("\(error)"))"))
        }
    }

    private func persistAppend(_ id: ChunkID, _ bytes: ByteBuffer) {
        do {
            try store.append(id: aliases[id] ?? id, bytes: bytes)
        } catch {
            pendingLogs.append(CoreLog(.error, "failed to write buffer chunk chunk_id=\(RubyInspect.string(id.hex)) error=\(RubyInspect.string("\(error)"))"))
        }
    }

    private func persistEnqueued(_ ids: [ChunkID]) {
        guard persistent else { return }
        for id in ids {
            guard let c = queue.queue.first(where: { $0.id == id }) else { continue }
            do {
                try store.enqueue(id: aliases[id] ?? id, tag: c.tag, createdAt: c.createdAt, records: records[id] ?? c.records, bytes: c.bytes)
            } catch {
                pendingLogs.append(CoreLog(.error, "failed to enqueue buffer chunk file chunk_id=\(RubyInspect.string(id.hex)) error=\(RubyInspect.string("\(error)"))"))
            }
        }
    }

    private func purgeDropped(_ ids: [ChunkID]) {
        for id in ids {
            forget(id)
            droppedChunks += 1
        }
    }

    /// Largest chunk reservation; a larger `chunk_limit_size` grows by copying past it.
    private static let reservationCap = 256 * 1024 * 1024

    /// Drops spare buffers until they fit under the total limit beside the buffer's bytes.
    private func trimSpares() {
        while let last = spare.last, queue.stageSize + queue.queueSize + spareBytes > settings.effectiveTotalLimitSize {
            spareBytes -= last.capacity
            spare.removeLast()
        }
    }

    private func forget(_ id: ChunkID) {
        // Not cleared here: the flusher may still hold the payload, and clearing a shared buffer allocates a new one.
        if let b = payloads.removeValue(forKey: id), spare.count < maxSpare, b.capacity <= settings.chunkLimitSize * 2,
           queue.stageSize + queue.queueSize + spareBytes + b.capacity <= settings.effectiveTotalLimitSize {
            spare.append(b)
            spareBytes += b.capacity
        }
        records.removeValue(forKey: id)
        store.purge(id: aliases.removeValue(forKey: id) ?? id)
    }

    @inline(__always)
    private func writeEntry(time: EventTime, record: ByteBuffer, into buffer: inout ByteBuffer) {
        if timeAsInteger {
            ForwardEntry.write(integerTime: Int64(time.seconds), encodedRecord: record, into: &buffer)
        } else {
            ForwardEntry.write(time: time, encodedRecord: record, into: &buffer)
        }
    }

    @inline(__always)
    private func timeSize(_ time: EventTime) -> Int {
        guard timeAsInteger else { return 10 }
        let s = time.seconds
        if s < 128 { return 1 }
        if s < 256 { return 2 }
        if s < 65536 { return 3 }
        return 5
    }
}
