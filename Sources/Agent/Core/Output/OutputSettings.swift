/// What the output core needs from `<buffer>`, `<secondary>` and out_forward's ack settings.
public struct OutputSettings: Sendable, Equatable {
    /// `flush_thread_count`.
    public var flushThreadCount = 1
    /// `flush_thread_interval`: how long an idle flush thread sleeps.
    public var flushThreadInterval: AgentSeconds = 1
    /// `flush_thread_burst_interval`: how long it sleeps after a flush that left chunks queued.
    public var flushThreadBurstInterval: AgentSeconds = 1
    /// Writes commit later, when the ack arrives (out_forward with `require_ack_response`).
    public var delayedCommit = false
    /// The delayed-commit timeout in force (out_forward overrides the configured one when acks are on).
    public var delayedCommitTimeout: AgentSeconds = 60
    /// `slow_flush_log_threshold`.
    public var slowFlushLogThreshold: AgentSeconds = 20
    /// Retry parameters; `retry.hasSecondary` says whether a `<secondary>` exists.
    public var retry = RetrySettings()
    /// How each flush thread begins (one per thread; the last repeats): at once or after one `after_started?` poll.
    public var flushThreadStarts: [ThreadStart] = [.afterStartedPoll]
    /// The enqueue thread's period (`FlushTiming.enqueueInterval`); nil: no enqueue thread (no interval flush).
    public var enqueueInterval: AgentSeconds? = nil
    /// How the enqueue thread begins.
    public var enqueueThreadStart: ThreadStart = .afterStartedPoll

    /// How flush thread `i` begins.
    public func flushThreadStart(_ i: Int) -> ThreadStart {
        flushThreadStarts.indices.contains(i) ? flushThreadStarts[i] : flushThreadStarts.last ?? .afterStartedPoll
    }

    public init() {}
}
