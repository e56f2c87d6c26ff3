/// The periods of the buffer's background threads, as Fluentd computes them (docs/fluentd-model.md, timing model).
public enum FlushTiming {
    /// The enqueue thread's period (lib/fluent/plugin/output.rb `enqueue_thread_run`): flush_interval / 11, but never
    /// shorter than flush_thread_interval. With the default flush_thread_interval of 1 s a `flush_interval 0.2`
    /// therefore enqueues once a second, not five times. nil when there is no interval flush (flush_interval ≤ 0).
    public static func enqueueInterval(flushInterval: AgentSeconds, flushThreadInterval: AgentSeconds) -> AgentSeconds? {
        guard flushInterval > 0, flushInterval.isFinite else { return nil }
        return max(flushInterval / 11, flushThreadInterval, 0.001)
    }
}
