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

    public init() {}
}
