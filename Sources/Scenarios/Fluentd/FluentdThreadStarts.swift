import Agent

/// The start phase each of Fluentd's buffer threads took in one run, read from its debug log: a thread that slept its
/// `after_started?` poll logs "flush_thread actually running" (or "enqueue_thread actually running") about 0.5 s
/// after "fluentd worker is now running", one that did not at once (docs/fluentd-model.md, "The flush thread(s)").
/// The phase is a thread race in Fluentd, so the fidelity suite runs the agent with the phases Fluentd took
/// (docs/fidelity.md, "Fluentd's thread start phases").
public struct FluentdThreadStarts: Sendable, Equatable {
    /// One per flush thread, in the order their lines appear.
    public var flush: [ThreadStart]
    /// The enqueue thread's; nil when the output has none (no interval flush).
    public var enqueue: ThreadStart?
    /// Each thread's delay after "fluentd worker is now running", seconds: the flush threads', then the enqueue
    /// thread's.
    public var delays: [Double]

    /// Later than this after the worker's start counts as a poll (measured: 0.499–0.501 s, or 0.000–0.001 s).
    static let pollThreshold = ThreadStart.pollInterval / 2

    public init(flush: [ThreadStart], enqueue: ThreadStart?, delays: [Double] = []) {
        self.flush = flush
        self.enqueue = enqueue
        self.delays = delays
    }

    /// The first worker incarnation's phases; nil when the log does not show them (no debug lines, no buffer).
    public init?(log text: String) {
        var running: Int64?
        var flushAt: [Int64] = [], enqueueAt: Int64?
        lines: for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let line = FluentdLogLine(raw) else { continue }
            switch line.message {
            case "fluentd worker is now running":
                if running == nil { running = line.wallNanos }
            case "restart fluentd worker", "starting fluentd worker":
                // Only the first incarnation: a restart or reload starts new threads, with phases of their own.
                if running != nil { break lines }
            case "flush_thread actually running":
                flushAt.append(line.wallNanos)
            case "enqueue_thread actually running":
                if enqueueAt == nil { enqueueAt = line.wallNanos }
            default:
                break
            }
        }
        guard let running, !flushAt.isEmpty else { return nil }
        func delay(_ t: Int64) -> Double { Double(t - running) / 1e9 }
        func phase(_ d: Double) -> ThreadStart { d > Self.pollThreshold ? .afterStartedPoll : .immediate }
        let flushDelays = flushAt.map(delay)
        let enqueueDelay = enqueueAt.map(delay)
        self.init(flush: flushDelays.map(phase), enqueue: enqueueDelay.map(phase), delays: flushDelays + (enqueueDelay.map { [$0] } ?? []))
    }

    /// The agent parameters that start the agent's threads alike (docs/agent-parameters.md).
    public var overrides: [String: String] {
        var out = ["fwdlab_flush_thread_start": ThreadStartChoice.fixed(flush).parameter]
        if let enqueue { out["fwdlab_enqueue_thread_start"] = enqueue.rawValue }
        return out
    }

    /// Whether the agent's default phases (`ThreadStartChoice.fluentdDefault`) are these.
    public var isAgentDefault: Bool {
        var rng = SeededRandom(seed: 0)
        let d = ThreadStartChoice.fluentdDefault.resolve(count: max(1, flush.count), rng: &rng)
        return d == flush && (enqueue == nil || enqueue == d[0])
    }

    /// `flush after_started_poll (+0.500 s), enqueue immediate (+0.000 s)`.
    public var summary: String {
        let names = flush.map { "flush \($0.rawValue)" } + (enqueue.map { ["enqueue \($0.rawValue)"] } ?? [])
        return zip(names, delays).map { "\($0) (\($1 >= 0 ? "+" : "")\(ScenarioFormat.seconds($1)))" }.joined(separator: ", ")
    }
}
