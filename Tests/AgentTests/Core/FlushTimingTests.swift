import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

/// The enqueue thread's period, as output.rb `enqueue_thread_run` computes it.
@Suite struct FlushTimingTests {
    @Test func shortFlushIntervalEnqueuesAtTheFlushThreadInterval() {
        // flush_interval 0.2 with the default flush_thread_interval 1: once a second, not five times.
        #expect(FlushTiming.enqueueInterval(flushInterval: 0.2, flushThreadInterval: 1) == 1)
        #expect(FlushTiming.enqueueInterval(flushInterval: 0.2, flushThreadInterval: 0.2) == 0.2)
    }

    @Test func longFlushIntervalEnqueuesEveryEleventh() {
        #expect(FlushTiming.enqueueInterval(flushInterval: 60, flushThreadInterval: 1) == 60.0 / 11)
        #expect(FlushTiming.enqueueInterval(flushInterval: 11, flushThreadInterval: 1) == 1)
    }

    @Test func noIntervalFlushHasNoPeriod() {
        #expect(FlushTiming.enqueueInterval(flushInterval: 0, flushThreadInterval: 1) == nil)
        #expect(FlushTiming.enqueueInterval(flushInterval: .infinity, flushThreadInterval: 1) == nil)
    }
}
