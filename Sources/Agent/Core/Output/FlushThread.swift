/// One of Fluentd's flush threads as a value: when it flushes next and whether it is inside `try_flush`
/// (docs/fluentd-model.md, "The flush thread(s)").
public struct FlushThread: Sendable, Equatable {
    /// What the thread is doing.
    public enum Phase: Sendable, Equatable {
        /// Sleeping in its `after_started?` poll before the first pass: a signal is lost, but the `nextClock` it
        /// sets stays (docs/fluentd-model.md, "The flush thread(s)").
        case polling
        /// Waiting on its condition variable (until a timer or a signal).
        case waiting
        /// Inside `try_flush`: a signal now is lost, because the flush's end overwrites `nextClock`.
        case flushing
        /// The output stopped its flush threads.
        case stopped
    }

    public var phase: Phase = .waiting
    /// `state.next_clock` (monotonic): the thread flushes once this has passed; a wake-up signal sets it to 0.
    public var nextClock: AgentSeconds
    /// Wall time the current `try_flush` started (the dequeued chunk's flushed-at time).
    public var flushStartedAt: AgentSeconds = 0
    /// Whether the current `try_flush` writes to `<secondary>`.
    public var usingSecondary = false

    public init(nextClock: AgentSeconds) {
        self.nextClock = nextClock
    }
}
