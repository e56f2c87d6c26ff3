/// Fluentd's buffered-output machinery (lib/fluent/plugin/output.rb) as a value: flush threads, retry state,
/// `<secondary>` choice, delayed commits and `force_flush`. Feed `OutputEvent`s, execute `OutputDirective`s in
/// order; no I/O, no threads, time from the injected clock. The rules, each with the Fluentd method it comes from,
/// are in docs/fluentd-model.md.
public struct OutputCore: Sendable {
    public let settings: OutputSettings
    public let clock: any AgentClock
    /// The retry state (`@retry`), nil-state while flushes succeed.
    public private(set) var retry: RetrySchedule
    public private(set) var threads: [FlushThread]
    /// Delayed writes waiting for their commit, oldest first (`@dequeued_chunks`).
    public private(set) var dequeued: [DequeuedChunk] = []
    /// A `force_flush` loop (`submit_flush_all`) is running.
    public private(set) var flushingAll = false
    /// out_forward's `@suspend_flush` (set at `before_shutdown` with acks): `try_flush` returns at once.
    public private(set) var flushSuspended = false
    /// `@output_flush_thread_current_position`: the thread the last wake-up went to.
    private var position = 0
    /// The enqueue thread's loop is running (`@output_enqueue_thread_running`).
    public private(set) var enqueueRunning = false

    public init(settings: OutputSettings, clock: any AgentClock, rng: SeededRandom) {
        self.settings = settings
        self.clock = clock
        self.retry = RetrySchedule(settings: settings.retry, rng: rng)
        self.threads = (0..<max(1, settings.flushThreadCount)).map { _ in FlushThread(nextClock: 0) }
    }

    /// Nothing in flight: no thread inside `try_flush`, no `force_flush` loop, and no delayed commit pending unless a
    /// retry wait holds the output (then nothing moves until the retry time). The shell's drain waits use this.
    public var isSettled: Bool {
        isForceFlushDone && (dequeued.isEmpty || retry.state != nil)
    }

    /// The shutdown's `force_flush` loop has ended and no thread is inside `try_flush`: what `before_shutdown` waits
    /// for. Delayed commits may still wait for their acks (they are settled by `last_ack`, then rolled back).
    public var isForceFlushDone: Bool {
        !flushingAll && !threads.contains { $0.phase == .flushing }
    }

    /// Handles one event, returning the directives.
    public mutating func handle(_ event: OutputEvent) -> [OutputDirective] {
        var out: [OutputDirective] = []
        handle(event, into: &out)
        return out
    }

    /// Handles one event, appending directives to `out`.
    public mutating func handle(_ event: OutputEvent, into out: inout [OutputDirective]) {
        switch event {
        case .started:
            // flush_thread_run: the first wake-up is one flush_thread_interval after start, set before the thread's
            // after_started? poll; a thread that sleeps the poll begins its loop 0.5 s after start. The event marks
            // the phase origin of everything the flush threads decide. The enqueue thread is armed first: when both
            // wake in the same instant, its pass comes first (docs/fluentd-model.md, "The flush thread(s)").
            out.append(.emitEvent(AgentEvent(time: clock.now, node: "", event: .started)))
            enqueueRunning = settings.enqueueInterval != nil
            if enqueueRunning {
                if settings.enqueueThreadStart == .immediate { enqueuePass(into: &out) }
                else { out.append(.armEnqueueThread(after: ThreadStart.pollInterval)) }
            }
            let now = clock.monotonicNow
            for i in threads.indices {
                threads[i] = FlushThread(nextClock: now + settings.flushThreadInterval)
                if settings.flushThreadStart(i) == .afterStartedPoll {
                    threads[i].phase = .polling
                    out.append(.armFlushThread(thread: i, after: ThreadStart.pollInterval))
                } else {
                    loop(thread: i, into: &out)
                }
            }
        case .flushThreadTimer(let i):
            guard threads.indices.contains(i), threads[i].phase == .waiting || threads[i].phase == .polling else { return }
            threads[i].phase = .waiting
            loop(thread: i, into: &out)
        case .enqueueThreadTimer:
            guard enqueueRunning else { return }
            enqueuePass(into: &out)
        case .emitted(let queued):
            // emit_buffered: wake a flush thread only when nothing is retrying and a chunk is queued.
            if retry.state == nil && queued { submitFlushOnce(into: &out) }
        case let .nothingToFlush(i, queued):
            guard threads.indices.contains(i), threads[i].phase == .flushing else { return }
            flushReturned(thread: i, queued: queued, into: &out)
        case let .flushed(i, chunk, result, othersQueued):
            guard threads.indices.contains(i), threads[i].phase == .flushing else { return }
            let queued = finish(thread: i, chunk: chunk, result: result, othersQueued: othersQueued, into: &out)
            flushReturned(thread: i, queued: queued, into: &out)
        case .ackCommitted(let id):
            commitWrite(id, node: nil, secondary: false, into: &out)
        case .ackRolledBack(let id):
            // rollback_write(update_retry: false): back to the queue; the flush thread resends it at its next wake-up.
            dequeued.removeAll { $0.id == id }
            out.append(.takeBack(id, cause: "ack_failed"))
        case .flushAllRequested(let queued):
            flushingAll = true
            flushAllStep(queued: queued, into: &out)
        case .flushAllTimer(let queued):
            guard flushingAll else { return }
            flushAllStep(queued: queued, into: &out)
        case .flushSuspended:
            flushSuspended = true
        case .stopping:
            enqueueRunning = false
            for i in threads.indices { threads[i].phase = .stopped }
            if flushingAll {
                flushingAll = false
                out.append(.flushAllDone)
            }
            rollbackAll(into: &out)
        }
    }

    // MARK: - Enqueue thread (output.rb enqueue_thread_run)

    /// One pass, then the sleep: the thread sleeps its period after each pass, so its passes drift later by the
    /// pass's own length (the shell's enqueue is synchronous, so the drift is the timer's).
    private mutating func enqueuePass(into out: inout [OutputDirective]) {
        guard let period = settings.enqueueInterval else { return }
        out.append(.enqueueDue)
        out.append(.armEnqueueThread(after: period))
    }

    // MARK: - Flush threads (output.rb flush_thread_run, next_flush_time, submit_flush_once)

    /// One pass of the flush thread's loop: wait for its own wake-up time, else for a pending retry, else flush.
    private mutating func loop(thread i: Int, into out: inout [OutputDirective]) {
        guard threads[i].phase == .waiting else { return }
        let interval: AgentSeconds
        if threads[i].nextClock > clock.monotonicNow {
            interval = threads[i].nextClock - clock.monotonicNow
        } else if let next = retry.nextRetryTime, next > clock.now {
            interval = next - clock.now
        } else if flushSuspended {
            // try_flush returned at once: the thread goes on as after a flush that found nothing queued (Fluentd
            // would wait a burst interval if chunks were queued; nothing is, once the force_flush loop ended).
            flushReturned(thread: i, queued: false, into: &out)
            return
        } else {
            let now = clock.now
            threads[i].phase = .flushing
            threads[i].flushStartedAt = now
            threads[i].usingSecondary = retry.usesSecondary(now: now)
            out.append(.tryFlush(thread: i, target: threads[i].usingSecondary ? .secondary : .primary))
            return
        }
        checkDelayedCommits(into: &out)
        out.append(.armFlushThread(thread: i, after: interval))
    }

    /// After `try_flush`: the next wake-up from `next_flush_time`, the delayed-commit check, then the wait.
    private mutating func flushReturned(thread i: Int, queued: Bool, into out: inout [OutputDirective]) {
        let now = clock.now
        let nextFlush: AgentSeconds
        if queued {
            nextFlush = retry.nextRetryTime ?? now + settings.flushThreadBurstInterval
        } else {
            nextFlush = now + settings.flushThreadInterval
        }
        let interval = nextFlush - now
        threads[i].nextClock = clock.monotonicNow + interval
        threads[i].phase = .waiting
        checkDelayedCommits(into: &out)
        if interval > 0 {
            out.append(.armFlushThread(thread: i, after: interval))
        } else {
            loop(thread: i, into: &out)
        }
    }

    /// submit_flush_once: round robin over the threads; a waiting thread flushes now, a flushing one loses the signal
    /// (its `nextClock` is overwritten when the flush returns), a polling one flushes when its poll ends.
    private mutating func submitFlushOnce(into out: inout [OutputDirective]) {
        position = (position + 1) % threads.count
        guard threads[position].phase != .stopped else { return }
        threads[position].nextClock = 0
        if threads[position].phase == .waiting { loop(thread: position, into: &out) }
    }

    /// submit_flush_all: wake a thread and sleep one burst interval, while nothing retries and chunks are queued.
    private mutating func flushAllStep(queued: Bool, into out: inout [OutputDirective]) {
        if retry.state == nil && queued && !threads.allSatisfy({ $0.phase == .stopped }) {
            submitFlushOnce(into: &out)
            out.append(.armFlushAll(after: settings.flushThreadBurstInterval))
        } else {
            flushingAll = false
            out.append(.flushAllDone)
        }
    }

    // MARK: - try_flush outcomes, commit and rollback

    /// Applies a write's outcome; returns whether chunks are queued afterwards.
    private mutating func finish(thread i: Int, chunk: ChunkID, result: FlushResult, othersQueued: Bool,
                                 into out: inout [OutputDirective]) -> Bool {
        let secondary = threads[i].usingSecondary
        switch result {
        case .emptyChunk:
            // out_forward's write and try_write commit an empty chunk without sending it.
            commitWrite(chunk, node: nil, secondary: secondary, into: &out)
            return othersQueued
        case let .written(node, elapsed):
            checkSlowFlush(elapsed: elapsed, node: node, into: &out)
            if secondary || !settings.delayedCommit {
                if secondary { out.append(.emitEvent(AgentEvent(time: clock.now, node: "", event: .chunkToSecondary, detail: chunk.hex))) }
                commitWrite(chunk, node: node, secondary: secondary, into: &out)
            } else {
                dequeued.append(DequeuedChunk(id: chunk, flushedAt: threads[i].flushStartedAt, timeout: settings.delayedCommitTimeout))
            }
            return othersQueued
        case let .failed(error, _):
            dequeued.removeAll { $0.id == chunk }
            if error.isNoNodesAvailable {
                // Fluentd says "no nodes are available" in this flush's retry warning; the stream says so too.
                out.append(.emitEvent(AgentEvent(time: clock.now, node: "", event: .noNodesAvailable, cause: "flush_failed", detail: chunk.hex)))
            }
            out.append(.takeBack(chunk, cause: "flush_failed"))
            // Taken back, so queued, unless the retry limit just cleared the queue.
            return !updateRetryState(chunk: chunk, secondary: secondary, error: error, into: &out)
        }
    }

    /// commit_write: purge, and end a retry sequence ("retry succeeded.").
    private mutating func commitWrite(_ id: ChunkID, node: String?, secondary: Bool, into out: inout [OutputDirective]) {
        dequeued.removeAll { $0.id == id }
        out.append(.commit(id, node: node))
        if retry.recordSuccess() {
            out.append(.log(.warn, secondary ? "retry succeeded by secondary. chunk_id=\(RubyInspect.string(id.hex))"
                                             : "retry succeeded. chunk_id=\(RubyInspect.string(id.hex))"))
            out.append(.emitEvent(AgentEvent(time: clock.now, node: "", event: .retrySucceeded, detail: id.hex)))
        }
    }

    /// update_retry_state: step the retry state; returns true when the retry limit cleared the queue.
    private mutating func updateRetryState(chunk: ChunkID, secondary: Bool, error: ForwardSendError?,
                                           into out: inout [OutputDirective]) -> Bool {
        switch retry.recordFailure(now: clock.now) {
        case let .retryAt(next, steps):
            guard let error else { return false }
            let head = secondary ? "failed to flush the buffer with secondary output." : "failed to flush the buffer."
            out.append(.log(.warn, "\(head) retry_times=\(steps) next_retry_time=\(RubyInspect.time(next)) chunk=\(RubyInspect.string(chunk.hex)) error_class=\(error.errorClass) error=\(RubyInspect.string(error.message))"))
            out.append(.emitEvent(AgentEvent(time: clock.now, node: "", event: .chunkRetry, cause: error.errorClass,
                                             detail: "\(chunk.hex) retry_times=\(steps)")))
            return false
        case let .limitReached(steps):
            out.append(.clearQueue(retryTimes: steps, error: error))
            return true
        }
    }

    /// check_slow_flush: a successful write that took longer than `slow_flush_log_threshold`.
    private func checkSlowFlush(elapsed: AgentSeconds, node: String?, into out: inout [OutputDirective]) {
        guard elapsed > settings.slowFlushLogThreshold else { return }
        out.append(.log(.warn, "buffer flush took longer time than slow_flush_log_threshold: elapsed_time=\(RubyInspect.float(elapsed)) slow_flush_log_threshold=\(RubyInspect.float(settings.slowFlushLogThreshold)) plugin_id=\"object:forward\""))
        out.append(.emitEvent(AgentEvent(time: clock.now, node: node ?? "", event: .slowFlush, detail: RubyInspect.float(elapsed))))
    }

    /// try_rollback_write, run by every flush-thread pass: delayed writes older than the timeout go back with a
    /// retry update (and no retry warning: Fluentd passes no error).
    private mutating func checkDelayedCommits(into out: inout [OutputDirective]) {
        let now = clock.now
        while let first = dequeued.first, first.isExpired(now: now) {
            dequeued.removeFirst()
            out.append(.takeBack(first.id, cause: "commit_timeout"))
            out.append(.log(.warn, "failed to flush the buffer chunk, timeout to commit. chunk_id=\(RubyInspect.string(first.id.hex)) flushed_at=\(RubyInspect.time(first.flushedAt))"))
            _ = updateRetryState(chunk: first.id, secondary: false, error: nil, into: &out)
        }
    }

    /// try_rollback_all at shutdown: every delayed write back to the queue, with a retry update.
    private mutating func rollbackAll(into out: inout [OutputDirective]) {
        while let first = dequeued.first {
            dequeued.removeFirst()
            out.append(.takeBack(first.id, cause: "shutdown"))
            out.append(.log(.info, "delayed commit for buffer chunks was cancelled in shutdown chunk_id=\(RubyInspect.string(first.id.hex))"))
            _ = updateRetryState(chunk: first.id, secondary: false, error: nil, into: &out)
        }
    }
}

extension OutputCore {
    /// A flush that a reload or stop outlived answers to no flush thread: a finished write without a pending ack is
    /// committed, anything else goes back to the queue for the next output.
    public static func orphanedFlushDirectives(chunk: ChunkID, result: FlushResult, delayedCommit: Bool) -> [OutputDirective] {
        switch result {
        case .emptyChunk: [.commit(chunk, node: nil)]
        case .written(let node, _) where !delayedCommit: [.commit(chunk, node: node)]
        case .written, .failed: [.takeBack(chunk, cause: "flush_failed")]
        }
    }
}
