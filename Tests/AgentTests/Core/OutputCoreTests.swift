import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

/// Every rule of docs/fluentd-model.md's flush-thread, retry and delayed-commit sections, in virtual time.
@Suite struct OutputCoreTests {
    static let a = ChunkID(high: 1, low: 1)
    static let b = ChunkID(high: 2, low: 2)

    private func makeCore(clock: VirtualClock, _ tweak: (inout OutputSettings) -> Void = { _ in }) -> OutputCore {
        var s = OutputSettings()
        s.flushThreadInterval = 1
        s.flushThreadBurstInterval = 0.5
        s.retry.randomize = false
        // The loop's rules from a thread that starts at once; the start phases are ThreadStartTests'.
        s.flushThreadStarts = [.immediate]
        tweak(&s)
        return OutputCore(settings: s, clock: clock, rng: SeededRandom(seed: 7))
    }

    private func logs(_ d: [OutputDirective]) -> [String] {
        d.compactMap { if case .log(_, let m) = $0 { return m } else { return nil } }
    }

    private func flushes(_ d: [OutputDirective]) -> [OutputDirective] {
        d.filter { if case .tryFlush = $0 { return true } else { return false } }
    }

    private func written(_ node: String? = "r1") -> FlushResult { .written(node: node, elapsed: 0.01) }

    private func failed() -> FlushResult { .failed(.noNodesAvailable, elapsed: 0) }

    @Test func anIdleThreadWakesEveryFlushThreadInterval() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock)
        // The start is reported (the phase origin the fidelity suite times flush decisions from), then the first wake-up.
        #expect(core.handle(.started) == [.emitEvent(AgentEvent(time: clock.now, node: "", event: .started)), .armFlushThread(thread: 0, after: 1)])
        clock.advance(by: 1)
        #expect(core.handle(.flushThreadTimer(thread: 0)) == [.tryFlush(thread: 0, target: .primary)])
        // Nothing queued: the next pass one flush_thread_interval later.
        #expect(core.handle(.nothingToFlush(thread: 0, queued: false)) == [.armFlushThread(thread: 0, after: 1)])
    }

    @Test func aFlushThatLeavesChunksQueuedSleepsTheBurstInterval() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock)
        _ = core.handle(.started)
        clock.advance(by: 1)
        _ = core.handle(.flushThreadTimer(thread: 0))
        let out = core.handle(.flushed(thread: 0, chunk: Self.a, result: written(), othersQueued: true))
        #expect(out == [.commit(Self.a, node: "r1"), .armFlushThread(thread: 0, after: 0.5)])
        // The next queued chunk goes out one burst interval later, not at once.
        clock.advance(by: 0.5)
        #expect(flushes(core.handle(.flushThreadTimer(thread: 0))) == [.tryFlush(thread: 0, target: .primary)])
    }

    @Test func anEmitWakesAWaitingThreadAtOnce() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock)
        _ = core.handle(.started)
        clock.advance(by: 0.3)
        #expect(core.handle(.emitted(queued: false)).isEmpty)
        #expect(core.handle(.emitted(queued: true)) == [.tryFlush(thread: 0, target: .primary)])
    }

    @Test func anEmitDuringAFlushIsLost() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock)
        _ = core.handle(.started)
        _ = core.handle(.emitted(queued: true))
        // Inside try_flush: the signal sets next_clock to 0, and the flush's end overwrites it.
        #expect(core.handle(.emitted(queued: true)).isEmpty)
        clock.advance(by: 0.05)
        let out = core.handle(.flushed(thread: 0, chunk: Self.a, result: written(), othersQueued: false))
        #expect(out == [.commit(Self.a, node: "r1"), .armFlushThread(thread: 0, after: 1)])
    }

    @Test func wakeUpsGoRoundRobinStartingAtTheSecondThread() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock) { $0.flushThreadCount = 3 }
        _ = core.handle(.started)
        #expect(core.handle(.emitted(queued: true)) == [.tryFlush(thread: 1, target: .primary)])
        #expect(core.handle(.emitted(queued: true)) == [.tryFlush(thread: 2, target: .primary)])
        #expect(core.handle(.emitted(queued: true)) == [.tryFlush(thread: 0, target: .primary)])
    }

    @Test func aFailedFlushWaitsForTheRetryTimeAndEmitsDoNotWake() {
        let clock = VirtualClock(wall: 1_700_000_000)
        var core = makeCore(clock: clock)
        _ = core.handle(.started)
        _ = core.handle(.emitted(queued: true))
        let out = core.handle(.flushed(thread: 0, chunk: Self.a, result: failed(), othersQueued: false))
        #expect(out.contains(.takeBack(Self.a, cause: "flush_failed")))
        #expect(logs(out) == ["failed to flush the buffer. retry_times=0 next_retry_time=2023-11-14 22:13:21 +0000 chunk=\"\(Self.a.hex)\" error_class=Fluent::Plugin::ForwardOutput::NoNodesAvailable error=\"no nodes are available\""])
        // next_flush_time while retrying is the retry time (retry_wait 1, the first one not randomised).
        #expect(out.last == .armFlushThread(thread: 0, after: 1))
        #expect(core.handle(.emitted(queued: true)).isEmpty)
        clock.advance(by: 1)
        #expect(flushes(core.handle(.flushThreadTimer(thread: 0))) == [.tryFlush(thread: 0, target: .primary)])
        let ok = core.handle(.flushed(thread: 0, chunk: Self.a, result: written(), othersQueued: false))
        #expect(logs(ok) == ["retry succeeded. chunk_id=\"\(Self.a.hex)\""])
    }

    @Test func aThreadWhoseOwnTimePassedStillWaitsForAPendingRetry() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock) { $0.flushThreadCount = 2; $0.retry.wait = 4 }
        _ = core.handle(.started)
        _ = core.handle(.emitted(queued: true))  // thread 1
        _ = core.handle(.flushed(thread: 1, chunk: Self.a, result: failed(), othersQueued: false))
        // Thread 0's own wake-up at 1 s finds the retry due at 4 s and waits the remaining 3 s.
        clock.advance(by: 1)
        #expect(core.handle(.flushThreadTimer(thread: 0)) == [.armFlushThread(thread: 0, after: 3)])
    }

    @Test func anAckRollbackDoesNotWakeAFlushThread() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock) { $0.delayedCommit = true }
        _ = core.handle(.started)
        _ = core.handle(.emitted(queued: true))
        _ = core.handle(.flushed(thread: 0, chunk: Self.a, result: written(), othersQueued: false))
        #expect(core.dequeued.map(\.id) == [Self.a])
        // rollback_write(update_retry: false): back to the queue, no retry state, no wake-up.
        #expect(core.handle(.ackRolledBack(Self.a)) == [.takeBack(Self.a, cause: "ack_failed")])
        #expect(core.retry.state == nil)
        #expect(core.dequeued.isEmpty)
    }

    @Test func aDelayedCommitTimesOutAtTheNextThreadPassWithARetryButNoRetryWarning() {
        let clock = VirtualClock(wall: 1_700_000_000)
        var core = makeCore(clock: clock) { $0.delayedCommit = true; $0.delayedCommitTimeout = 3 }
        _ = core.handle(.started)
        _ = core.handle(.emitted(queued: true))
        _ = core.handle(.flushed(thread: 0, chunk: Self.a, result: written(), othersQueued: false))
        clock.advance(by: 1)
        _ = core.handle(.flushThreadTimer(thread: 0))
        _ = core.handle(.nothingToFlush(thread: 0, queued: false))
        clock.advance(by: 2)  // 3 s after the flush: not yet expired (strictly more than the timeout)
        _ = core.handle(.flushThreadTimer(thread: 0))
        #expect(!core.handle(.nothingToFlush(thread: 0, queued: false)).contains(.takeBack(Self.a, cause: "commit_timeout")))
        clock.advance(by: 1)
        _ = core.handle(.flushThreadTimer(thread: 0))
        let out = core.handle(.nothingToFlush(thread: 0, queued: false))
        #expect(out.contains(.takeBack(Self.a, cause: "commit_timeout")))
        #expect(logs(out) == ["failed to flush the buffer chunk, timeout to commit. chunk_id=\"\(Self.a.hex)\" flushed_at=2023-11-14 22:13:20 +0000"])
        #expect(core.retry.state != nil)
    }

    @Test func afterTheSecondaryThresholdFlushesGoToTheSecondary() {
        let clock = VirtualClock()
        // retry_timeout 10, threshold 0.8: the secondary takes over 8 s after the first failure.
        var core = makeCore(clock: clock) { $0.retry.hasSecondary = true; $0.retry.timeout = 10; $0.retry.type = .periodic; $0.retry.wait = 3 }
        _ = core.handle(.started)
        _ = core.handle(.emitted(queued: true))
        var targets: [OutputTarget] = []
        var out = core.handle(.flushed(thread: 0, chunk: Self.a, result: failed(), othersQueued: false))
        for _ in 0..<10 {
            guard case .armFlushThread(_, let after)? = out.last else { break }
            clock.advance(by: after)
            let next = core.handle(.flushThreadTimer(thread: 0))
            guard case .tryFlush(_, let target)? = next.last else { out = next; continue }
            targets.append(target)
            if target == .secondary {
                out = core.handle(.flushed(thread: 0, chunk: Self.a, result: written(nil), othersQueued: false))
                #expect(logs(out) == ["retry succeeded by secondary. chunk_id=\"\(Self.a.hex)\""])
                break
            }
            out = core.handle(.flushed(thread: 0, chunk: Self.a, result: failed(), othersQueued: false))
        }
        // Retries at 3 and 6 s go to the primary; the next one is capped at the 8 s transition and goes to the secondary.
        #expect(targets == [.primary, .primary, .secondary])
    }

    @Test func theRetryLimitClearsTheQueue() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock) { $0.retry.maxTimes = 0 }
        _ = core.handle(.started)
        _ = core.handle(.emitted(queued: true))
        let out = core.handle(.flushed(thread: 0, chunk: Self.a, result: failed(), othersQueued: true))
        #expect(out.contains(.clearQueue(retryTimes: 0, error: .noNodesAvailable)))
        // The queue is empty afterwards: the idle interval, not the burst one.
        #expect(out.last == .armFlushThread(thread: 0, after: 1))
        #expect(core.retry.state == nil)
    }

    @Test func forceFlushSubmitsOncePerBurstIntervalUntilTheQueueIsEmpty() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock)
        _ = core.handle(.started)
        #expect(core.handle(.flushAllRequested(queued: true)) == [.tryFlush(thread: 0, target: .primary), .armFlushAll(after: 0.5)])
        #expect(!core.isSettled)
        _ = core.handle(.flushed(thread: 0, chunk: Self.a, result: written(), othersQueued: true))
        clock.advance(by: 0.5)
        #expect(flushes(core.handle(.flushAllTimer(queued: true))) == [.tryFlush(thread: 0, target: .primary)])
        _ = core.handle(.flushed(thread: 0, chunk: Self.b, result: written(), othersQueued: false))
        clock.advance(by: 0.5)
        #expect(core.handle(.flushAllTimer(queued: false)) == [.flushAllDone])
        #expect(core.isSettled)
    }

    @Test func forceFlushStopsAtARetry() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock)
        _ = core.handle(.started)
        _ = core.handle(.flushAllRequested(queued: true))
        _ = core.handle(.flushed(thread: 0, chunk: Self.a, result: failed(), othersQueued: false))
        clock.advance(by: 0.5)
        #expect(core.handle(.flushAllTimer(queued: true)) == [.flushAllDone])
    }

    @Test func shutdownRollsBackEveryDelayedCommitWithARetryUpdate() {
        let clock = VirtualClock()
        var core = makeCore(clock: clock) { $0.delayedCommit = true }
        _ = core.handle(.started)
        _ = core.handle(.emitted(queued: true))
        _ = core.handle(.flushed(thread: 0, chunk: Self.a, result: written(), othersQueued: false))
        let out = core.handle(.stopping)
        #expect(out.contains(.takeBack(Self.a, cause: "shutdown")))
        #expect(logs(out) == ["delayed commit for buffer chunks was cancelled in shutdown chunk_id=\"\(Self.a.hex)\""])
        #expect(core.threads.allSatisfy { $0.phase == .stopped })
        #expect(core.handle(.emitted(queued: true)).isEmpty)
    }

    @Test func anOrphanedFlushCommitsOnlyAFinishedWriteWithoutAck() {
        #expect(OutputCore.orphanedFlushDirectives(chunk: Self.a, result: .written(node: "r1", elapsed: 0), delayedCommit: false) == [.commit(Self.a, node: "r1")])
        #expect(OutputCore.orphanedFlushDirectives(chunk: Self.a, result: .written(node: "r1", elapsed: 0), delayedCommit: true) == [.takeBack(Self.a, cause: "flush_failed")])
        #expect(OutputCore.orphanedFlushDirectives(chunk: Self.a, result: .failed(.noNodesAvailable, elapsed: 0), delayedCommit: false) == [.takeBack(Self.a, cause: "flush_failed")])
    }

    @Test func rubyTimeMatchesTimeToS() {
        #expect(RubyInspect.time(0) == "1970-01-01 00:00:00 +0000")
        #expect(RubyInspect.time(1_700_000_001.4) == "2023-11-14 22:13:21 +0000")
        #expect(RubyInspect.time(951_782_400) == "2000-02-29 00:00:00 +0000")
    }
}
