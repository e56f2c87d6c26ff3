import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

/// The buffer threads' start phase (docs/fluentd-model.md, "The flush thread(s)"), in virtual time: a thread that
/// sleeps its `after_started?` poll begins 0.5 s after the output's start, one that does not begins at once.
@Suite struct ThreadStartTests {
    static let a = ChunkID(high: 1, low: 1)

    private func makeCore(clock: VirtualClock, flush: [ThreadStart], enqueue: ThreadStart = .afterStartedPoll,
                          enqueueInterval: AgentSeconds? = 0.2) -> OutputCore {
        var s = OutputSettings()
        s.flushThreadInterval = 0.2
        s.flushThreadBurstInterval = 1
        s.flushThreadCount = flush.count
        s.flushThreadStarts = flush
        s.enqueueThreadStart = enqueue
        s.enqueueInterval = enqueueInterval
        s.retry.randomize = false
        return OutputCore(settings: s, clock: clock, rng: SeededRandom(seed: 7))
    }

    private func started(_ clock: VirtualClock) -> OutputDirective {
        .emitEvent(AgentEvent(time: clock.now, node: "", event: .started))
    }

    /// secondary-output's buffer (flush_thread_interval 0.2): after the poll the first wake-up (start + 0.2) has
    /// passed, so the thread flushes at start + 0.5, as Fluentd 1.16.9 did in 8 of 9 runs (2026-12-07).
    @Test func aPolledFlushThreadFirstFlushesHalfASecondAfterTheStart() {
        let clock = VirtualClock(monotonic: 0)  // so 0.2 s intervals come back exact
        var core = makeCore(clock: clock, flush: [.afterStartedPoll])
        #expect(core.handle(.started) == [started(clock), .armEnqueueThread(after: 0.5), .armFlushThread(thread: 0, after: 0.5)])
        #expect(core.threads[0].phase == .polling)
        clock.advance(by: 0.5)
        // The enqueue pass first (it was armed first), then the flush thread's pass finds its wake-up behind it.
        #expect(core.handle(.enqueueThreadTimer) == [.enqueueDue, .armEnqueueThread(after: 0.2)])
        #expect(core.handle(.flushThreadTimer(thread: 0)) == [.tryFlush(thread: 0, target: .primary)])
    }

    /// Without the poll the first pass waits for the first wake-up, start + flush_thread_interval, and the enqueue
    /// thread's first pass is at once (Fluentd's third run of secondary-output: a flush at start + 0.2 s).
    @Test func anImmediateFlushThreadWaitsForItsFirstWakeUpOnly() {
        let clock = VirtualClock(monotonic: 0)  // so 0.2 s intervals come back exact
        var core = makeCore(clock: clock, flush: [.immediate], enqueue: .immediate)
        #expect(core.handle(.started) == [started(clock), .enqueueDue, .armEnqueueThread(after: 0.2), .armFlushThread(thread: 0, after: 0.2)])
        clock.advance(by: 0.2)
        #expect(core.handle(.flushThreadTimer(thread: 0)) == [.tryFlush(thread: 0, target: .primary)])
    }

    /// A poll longer than flush_thread_interval does not move the wake-up past it: with flush_thread_interval 1 the
    /// polled thread still waits until start + 1.
    @Test func aPollShorterThanTheIntervalKeepsTheFirstWakeUp() {
        let clock = VirtualClock(monotonic: 0)  // so 0.2 s intervals come back exact
        var s = OutputSettings()
        s.flushThreadInterval = 1
        s.flushThreadStarts = [.afterStartedPoll]
        var core = OutputCore(settings: s, clock: clock, rng: SeededRandom(seed: 7))
        _ = core.handle(.started)
        clock.advance(by: 0.5)
        #expect(core.handle(.flushThreadTimer(thread: 0)) == [.armFlushThread(thread: 0, after: 0.5)])
        clock.advance(by: 0.5)
        #expect(core.handle(.flushThreadTimer(thread: 0)) == [.tryFlush(thread: 0, target: .primary)])
    }

    /// An emit during the poll finds no thread waiting on its condition variable: nothing flushes until the poll
    /// ends, and then at once (the signal's next_clock = 0 stays).
    @Test func anEmitDuringThePollWaitsForItsEnd() {
        let clock = VirtualClock(monotonic: 0)  // so 0.2 s intervals come back exact
        var core = makeCore(clock: clock, flush: [.afterStartedPoll])
        var s = core.settings
        s.flushThreadInterval = 1
        core = OutputCore(settings: s, clock: clock, rng: SeededRandom(seed: 7))
        _ = core.handle(.started)
        clock.advance(by: 0.1)
        #expect(core.handle(.emitted(queued: true)).isEmpty)
        clock.advance(by: 0.4)
        #expect(core.handle(.flushThreadTimer(thread: 0)) == [.tryFlush(thread: 0, target: .primary)])
    }

    /// The threads of one process can differ: each thread has its own phase.
    @Test func eachThreadHasItsOwnPhase() {
        let clock = VirtualClock(monotonic: 0)  // so 0.2 s intervals come back exact
        var core = makeCore(clock: clock, flush: [.immediate, .afterStartedPoll], enqueue: .immediate)
        let out = core.handle(.started)
        #expect(out.contains(.armFlushThread(thread: 0, after: 0.2)))
        #expect(out.contains(.armFlushThread(thread: 1, after: 0.5)))
        #expect(core.threads.map(\.phase) == [.waiting, .polling])
    }

    /// No interval flush, no enqueue thread; and a stop ends its loop.
    @Test func theEnqueueThreadRunsOnlyWithAnIntervalAndUntilTheStop() {
        let clock = VirtualClock(monotonic: 0)  // so 0.2 s intervals come back exact
        var none = makeCore(clock: clock, flush: [.immediate], enqueueInterval: nil)
        #expect(!none.handle(.started).contains(.enqueueDue))
        #expect(none.handle(.enqueueThreadTimer).isEmpty)
        var core = makeCore(clock: clock, flush: [.immediate], enqueue: .immediate)
        _ = core.handle(.started)
        _ = core.handle(.stopping)
        #expect(core.handle(.enqueueThreadTimer).isEmpty)
    }

    /// The option: one phase, a list (the last repeated), or a seeded draw that a replay with the seed repeats.
    @Test func theChoiceResolvesPerThread() {
        var rng = SeededRandom(seed: 1)
        #expect(ThreadStartChoice(parameter: "immediate, after_started_poll")?.resolve(count: 3, rng: &rng)
            == [.immediate, .afterStartedPoll, .afterStartedPoll])
        #expect(ThreadStartChoice.fluentdDefault.resolve(count: 2, rng: &rng) == [.afterStartedPoll, .afterStartedPoll])
        #expect(ThreadStartChoice(parameter: "sometimes") == nil)
        #expect(ThreadStartChoice(parameter: "seeded") == .seeded)
        var x = SeededRandom.stream(.threadStart, seed: 31), y = SeededRandom.stream(.threadStart, seed: 31)
        let draws = ThreadStartChoice.seeded.resolve(count: 16, rng: &x)
        #expect(draws == ThreadStartChoice.seeded.resolve(count: 16, rng: &y))
        #expect(Set(draws).count == 2)
        #expect(ThreadStartChoice(parameter: ThreadStartChoice.fixed([.immediate, .afterStartedPoll]).parameter)
            == .fixed([.immediate, .afterStartedPoll]))
    }
}
