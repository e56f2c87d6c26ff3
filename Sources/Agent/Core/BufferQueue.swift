/// `<buffer>` parameters the queue logic needs (memory-buffer defaults: docs/forward-protocol.md, "Output and buffer parameters").
public struct BufferSettings: Sendable, Equatable {
    /// overflow_action.
    public enum OverflowAction: String, Sendable, Equatable {
        case throwException = "throw_exception", block, dropOldestChunk = "drop_oldest_chunk"
    }

    public var chunkLimitSize = 8 * 1024 * 1024
    public var chunkLimitRecords: Int? = nil
    public var chunkFullThreshold = 0.95
    /// total_limit_size; replaced by chunk_limit_size × queue_limit_length when that is set (buffer.rb:222-224).
    public var totalLimitSize = 512 * 1024 * 1024
    public var queueLimitLength: Int? = nil
    /// queued_chunks_limit_size (nil → flush_thread_count): enqueue_all stops when the queue is this long.
    public var queuedChunksLimitSize: Int? = nil
    public var flushThreadCount = 1
    public var flushInterval: AgentSeconds = 60
    /// flush_mode immediate: every write enqueues its chunk and wakes the flusher.
    public var flushImmediately = false
    public var overflowAction: OverflowAction = .throwException
    /// flush_at_shutdown (nil → true for memory buffers).
    public var flushAtShutdown = true

    public init() {}

    /// The limit actually applied.
    public var effectiveTotalLimitSize: Int {
        if let q = queueLimitLength { return chunkLimitSize.multipliedReportingOverflow(by: q).partialValue }
        return totalLimitSize
    }

    public var effectiveQueuedChunksLimit: Int { queuedChunksLimitSize ?? flushThreadCount }
}

/// Size-only metadata of one buffer chunk (the payload bytes live in the shell, keyed by `id`).
public struct BufferChunk: Sendable, Equatable {
    public var id: ChunkID
    /// One tag per chunk (out_forward's chunk key).
    public var tag: String
    public var bytes: Int
    public var records: Int
    /// Creation time, whole seconds (`raw_create_at`).
    public var createdAt: Int64
}

/// Result of appending events to the buffer.
public enum BufferAppendResult: Sendable, Equatable {
    /// Append the payload bytes to chunk `into`; `enqueued` chunks moved from stage to queue; `dropped` were purged
    /// by drop_oldest_chunk (with their Fluentd warnings in `logs`).
    case stored(into: ChunkID, enqueued: [ChunkID], dropped: [ChunkID], logs: [CoreLog])
    /// throw_exception: BufferOverflowError "buffer space has too many data".
    case overflow(logs: [CoreLog])
    /// block: the writer must wait (Fluentd sleeps 1 s and retries) until `isStorable`.
    case mustWait(logs: [CoreLog])
    /// One append larger than chunk_limit_size/records: the caller must split it (BufferChunkOverflowError).
    case chunkTooLarge
}

/// The buffer's decisions (buffer.rb, output.rb write_guard), storage-agnostic.
public struct BufferQueue: Sendable {
    public let settings: BufferSettings
    public private(set) var staged: [String: BufferChunk] = [:]
    /// Queued chunks, head first.
    public private(set) var queue: [BufferChunk] = []
    /// Dequeued (being flushed / awaiting ack) chunks.
    public private(set) var dequeued: [ChunkID: BufferChunk] = [:]
    /// stage_byte_size.
    public private(set) var stageSize = 0
    /// queue_byte_size (includes dequeued chunks until purged, as Fluentd counts).
    public private(set) var queueSize = 0
    private var rng: SeededRandom

    public init(settings: BufferSettings = BufferSettings(), rng: SeededRandom) {
        self.settings = settings
        self.rng = rng
    }

    /// buffer.rb storable?: strictly below the total limit (the incoming size is not considered).
    public var isStorable: Bool { settings.effectiveTotalLimitSize > stageSize + queueSize }

    /// Records in queued chunks (`queued_records`).
    public var queuedRecords: Int { queue.reduce(0) { $0 + $1.records } }

    /// Adds `bytes`/`records` for `tag` at wall time `now`, applying overflow_action.
    public mutating func append(tag: String, bytes: Int, records: Int, now: AgentSeconds) -> BufferAppendResult {
        let bytes = max(0, bytes)
        let records = max(0, records)
        if bytes > settings.chunkLimitSize || (settings.chunkLimitRecords.map { records > $0 } ?? false) {
            return .chunkTooLarge
        }
        var logs: [CoreLog] = []
        var dropped: [ChunkID] = []
        var guardCount = 0
        while !isStorable {
            logs.append(CoreLog(.warn, "failed to write data into buffer by buffer overflow action=:\(settings.overflowAction.rawValue)"))
            switch settings.overflowAction {
            case .throwException:
                return .overflow(logs: logs)
            case .block:
                return .mustWait(logs: logs)
            case .dropOldestChunk:
                guard let oldest = queue.first, guardCount < 1_000_000 else {
                    logs.append(CoreLog(.error, "no queued chunks to be dropped for drop_oldest_chunk"))
                    return .overflow(logs: logs)
                }
                guardCount += 1
                queue.removeFirst()
                queueSize -= oldest.bytes
                dropped.append(oldest.id)
                logs.append(CoreLog(.warn, "dropping oldest chunk to make space after buffer overflow chunk_id=\(RubyInspect.string(oldest.id.hex))"))
            }
        }
        var enqueued: [ChunkID] = []
        if let chunk = staged[tag], wouldOverflow(chunk, bytes: bytes, records: records) {
            // write_once: roll back, enqueue the staged chunk, retry into a fresh one.
            enqueueStaged(tag: tag)
            enqueued.append(chunk.id)
        }
        var chunk = staged[tag] ?? newChunk(tag: tag, now: now)
        chunk.bytes += bytes
        chunk.records += records
        stageSize += bytes
        staged[tag] = chunk
        // flush_mode immediate enqueues after every write (output.rb: the chunk is flushed as soon as it is written).
        if isFull(chunk) || settings.flushImmediately {
            enqueueStaged(tag: tag)
            enqueued.append(chunk.id)
        }
        return .stored(into: chunk.id, enqueued: enqueued, dropped: dropped, logs: logs)
    }

    /// The flush_interval check of the enqueue thread: stage chunks with `created + flush_interval <= now` (whole
    /// seconds) are enqueued, stopping when the queue reaches queued_chunks_limit_size unless `force`.
    public mutating func enqueueDue(now: AgentSeconds, force: Bool = false) -> [ChunkID] {
        let nowInt = Int64(now.isFinite ? now.rounded(.down) : 0)
        let interval = Int64(settings.flushInterval.isFinite ? settings.flushInterval.rounded(.towardZero) : 0)
        return enqueueAll(force: force) { $0.createdAt + interval <= nowInt }
    }

    /// enqueue_all (flush_at_shutdown / SIGUSR1 use `force: true`).
    public mutating func enqueueAll(force: Bool = true, where predicate: (BufferChunk) -> Bool = { _ in true }) -> [ChunkID] {
        var out: [ChunkID] = []
        for tag in staged.keys.sorted() {
            if !force && queue.count >= settings.effectiveQueuedChunksLimit { break }
            guard let chunk = staged[tag], predicate(chunk) else { continue }
            enqueueStaged(tag: tag)
            out.append(chunk.id)
        }
        return out
    }

    /// dequeue_chunk: the head of the queue, now owned by the flusher.
    public mutating func dequeue() -> BufferChunk? {
        guard !queue.isEmpty else { return nil }
        let chunk = queue.removeFirst()
        dequeued[chunk.id] = chunk
        return chunk
    }

    /// takeback_chunk: a dequeued chunk goes back to the HEAD of the queue; false if it was already purged.
    @discardableResult
    public mutating func takeBack(_ id: ChunkID) -> Bool {
        guard let chunk = dequeued.removeValue(forKey: id) else { return false }
        queue.insert(chunk, at: 0)
        return true
    }

    /// purge_chunk after a commit; false if unknown.
    @discardableResult
    public mutating func commit(_ id: ChunkID) -> Bool {
        guard let chunk = dequeued.removeValue(forKey: id) else { return false }
        queueSize -= chunk.bytes
        return true
    }

    /// clear_queue! after the retry limit: every queued chunk is purged (staged and dequeued ones survive).
    public mutating func clearQueue() -> [ChunkID] {
        let ids = queue.map(\.id)
        for c in queue { queueSize -= c.bytes }
        queue.removeAll()
        return ids
    }

    /// Whether shutdown should enqueue and flush everything staged.
    public var flushesAtShutdown: Bool { settings.flushAtShutdown }

    private func wouldOverflow(_ c: BufferChunk, bytes: Int, records: Int) -> Bool {
        c.bytes + bytes > settings.chunkLimitSize
            || (settings.chunkLimitRecords.map { c.records + records > $0 } ?? false)
    }

    /// chunk_size_full?: ≥ limit × chunk_full_threshold.
    private func isFull(_ c: BufferChunk) -> Bool {
        Double(c.bytes) >= Double(settings.chunkLimitSize) * settings.chunkFullThreshold
            || (settings.chunkLimitRecords.map { Double(c.records) >= Double($0) * settings.chunkFullThreshold } ?? false)
    }

    private mutating func newChunk(tag: String, now: AgentSeconds) -> BufferChunk {
        BufferChunk(id: ChunkID.generate(now: now, rng: &rng), tag: tag, bytes: 0, records: 0,
                    createdAt: Int64(now.isFinite ? max(-9e15, min(9e15, now.rounded(.down))) : 0))
    }

    private mutating func enqueueStaged(tag: String) {
        guard let chunk = staged.removeValue(forKey: tag) else { return }
        stageSize -= chunk.bytes
        guard chunk.bytes > 0 || chunk.records > 0 else { return }  // empty chunks are closed, not queued
        queue.append(chunk)
        queueSize += chunk.bytes
    }
}
