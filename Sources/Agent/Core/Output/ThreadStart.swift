/// How one of the buffer's background threads (a flush thread or the enqueue thread) begins after the output's
/// start (docs/fluentd-model.md, "The flush thread(s)"). Fluentd's threads poll `after_started?` every 0.5 s before
/// their first pass; whether they sleep once depends on whether they first run before the worker's `after_start`.
public enum ThreadStart: String, Sendable, Equatable, CaseIterable {
    /// The thread first ran after `after_start`: its first pass is at once (a flush thread still waits for its
    /// first wake-up, one `flush_thread_interval` after the start).
    case immediate
    /// The thread first ran before `after_start` and slept one poll: nothing before start + 0.5 s.
    case afterStartedPoll = "after_started_poll"

    /// The length of one `after_started?` poll (output.rb `flush_thread_run`, `enqueue_thread_run`).
    public static let pollInterval: AgentSeconds = 0.5
}

/// The configured choice for a set of threads (`fwdlab_flush_thread_start`, `fwdlab_enqueue_thread_start`;
/// docs/agent-parameters.md): one phase for every thread, a list (one per thread, the last repeated), or a draw per
/// thread from the run's seed.
public enum ThreadStartChoice: Sendable, Equatable {
    case fixed([ThreadStart])
    case seeded

    /// What Fluentd 1.16.9 measurably does most often (docs/fluentd-model.md, "The flush thread(s)").
    public static let fluentdDefault = ThreadStartChoice.fixed([.afterStartedPoll])

    /// The phase of each of `count` threads; a seeded choice draws each thread's with even odds from `rng`.
    public func resolve(count: Int, rng: inout SeededRandom) -> [ThreadStart] {
        switch self {
        case .fixed(let list):
            let last = list.last ?? .afterStartedPoll
            return (0..<count).map { list.indices.contains($0) ? list[$0] : last }
        case .seeded:
            return (0..<count).map { _ in rng.nextUnit() < 0.5 ? .immediate : .afterStartedPoll }
        }
    }

    /// `immediate`, `after_started_poll`, `seeded`, or a comma list of the first two.
    public init?(parameter text: String) {
        let t = text.filter { $0 != " " && $0 != "\t" }
        if t == "seeded" { self = .seeded; return }
        var list: [ThreadStart] = []
        for part in t.split(separator: ",", omittingEmptySubsequences: false) {
            guard let s = ThreadStart(rawValue: String(part)) else { return nil }
            list.append(s)
        }
        guard !list.isEmpty else { return nil }
        self = .fixed(list)
    }

    /// The parameter's text (the inverse of `init(parameter:)`).
    public var parameter: String {
        switch self {
        case .seeded: "seeded"
        case .fixed(let list): list.map(\.rawValue).joined(separator: ",")
        }
    }
}
