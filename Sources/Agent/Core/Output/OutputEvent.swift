/// Where a flush writes the chunk.
public enum OutputTarget: Sendable, Equatable {
    /// The forward output itself (out_forward's nodes).
    case primary
    /// `<secondary>`, once the retry state says so.
    case secondary
}

/// How one `try_flush` write ended, as the shell saw it.
public enum FlushResult: Sendable, Equatable {
    /// The chunk had no records: committed without I/O.
    case emptyChunk
    /// Written without error; `node` is the label of the node that took it (nil for `<secondary>`).
    case written(node: String?, elapsed: AgentSeconds)
    /// The write raised: the chunk goes back to the queue and the retry state steps.
    case failed(ForwardSendError, elapsed: AgentSeconds)
}

/// An input to the output core: the shell reports timers, emits and write outcomes.
public enum OutputEvent: Sendable, Equatable {
    /// The output started: its flush threads begin their loops.
    case started
    /// A flush thread's wait ended (the timer armed by `armFlushThread`).
    case flushThreadTimer(thread: Int)
    /// The enqueue thread's sleep (or its `after_started?` poll) ended (the timer armed by `armEnqueueThread`).
    case enqueueThreadTimer
    /// An input emitted into the buffer; `queued` says whether a chunk is now queued (`emit_buffered`).
    case emitted(queued: Bool)
    /// `tryFlush` found the queue empty; `queued` is the queue's state now.
    case nothingToFlush(thread: Int, queued: Bool)
    /// `tryFlush` wrote (or failed to write) `chunk`. `othersQueued`: whether other chunks are queued
    /// (measured after the dequeue, before the core's commit or take-back).
    case flushed(thread: Int, chunk: ChunkID, result: FlushResult, othersQueued: Bool)
    /// out_forward's ack reader committed a delayed write (`commit_write`, delayed).
    case ackCommitted(ChunkID)
    /// out_forward's ack reader rolled a delayed write back without a retry update (`rollback_write`).
    case ackRolledBack(ChunkID)
    /// `force_flush` (SIGUSR1, RPC flushBuffers, shutdown): the shell has enqueued every staged chunk;
    /// `queued` says whether any chunk is queued.
    case flushAllRequested(queued: Bool)
    /// The `submit_flush_all` loop's sleep ended; `queued` as above.
    case flushAllTimer(queued: Bool)
    /// out_forward's `before_shutdown` set `@suspend_flush`: the flush threads keep their loop (and its
    /// delayed-commit check) but their `try_flush` does nothing.
    case flushSuspended
    /// Shutdown: the flush threads stop and every delayed commit is cancelled (`try_rollback_all`).
    case stopping
}

/// An output of the output core (the shell executes it, in order).
public enum OutputDirective: Sendable, Equatable {
    /// Dequeue the head chunk and write it to `target`; report `flushed`, or `nothingToFlush` when none is queued.
    case tryFlush(thread: Int, target: OutputTarget)
    /// Report `flushThreadTimer(thread)` after `after` seconds of clock time (replaces the thread's pending timer).
    case armFlushThread(thread: Int, after: AgentSeconds)
    /// One enqueue-thread pass: enqueue every staged chunk that is due (`BufferQueue.enqueueDue`).
    case enqueueDue
    /// Report `enqueueThreadTimer` after `after` seconds of clock time.
    case armEnqueueThread(after: AgentSeconds)
    /// Purge the chunk from the buffer; `node` labels the stream's `chunk_committed` (nil: no node, or an ack).
    case commit(ChunkID, node: String?)
    /// Put the chunk back at the head of the queue; `cause` labels the stream's `chunk_rolled_back`.
    case takeBack(ChunkID, cause: String)
    /// Retry limit: drop every queued chunk (`clear_queue!`) and, when `error` is set, log "Hit limit for retries"
    /// with the queued record count.
    case clearQueue(retryTimes: Int, error: ForwardSendError?)
    /// Write a log line (Fluentd's wording).
    case log(CoreLogLevel, String)
    /// Append to the JSON event stream.
    case emitEvent(AgentEvent)
    /// Report `flushAllTimer` after `after` seconds (the `submit_flush_all` loop's sleep).
    case armFlushAll(after: AgentSeconds)
    /// The `submit_flush_all` loop ended (queue empty or a retry began).
    case flushAllDone
}
