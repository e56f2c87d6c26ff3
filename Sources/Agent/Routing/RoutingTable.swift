import FluentdConfig

/// Fluentd's event routing as a pure value (event_router.rb `find`, root_agent.rb labels and workers): per label the
/// `<filter>` and `<match>` rules in written order; a tag's route is every matching filter written before the first
/// matching `<match>`, then that match's output (docs/pipeline.md, "Routing").
public struct RoutingTable: Sendable, Equatable {
    /// One rule: an index into the configuration's `filters` or `matches`.
    public enum Rule: Sendable, Equatable {
        case filter(Int)
        case match(Int)
    }

    /// A rule and the workers it runs on (nil: every worker; `<worker N>` / `<worker N-M>` sections set it).
    public struct Entry: Sendable, Equatable {
        public var rule: Rule
        public var workers: ClosedRange<Int>?

        public init(rule: Rule, workers: ClosedRange<Int>? = nil) {
            self.rule = rule
            self.workers = workers
        }
    }

    /// The label key of the top-level rules.
    public static let root = "@ROOT"
    /// Fluentd's built-in label for events a plugin could not process (root_agent.rb `emit_error_event`).
    public static let errorLabel = "@ERROR"
    /// How many relabel hops a route may take before it is cut as a loop.
    public static let maxRelabelDepth = 16

    /// Rules per label (`@ROOT` for the top level), each list in Fluentd's order.
    public var rules: [String: [Entry]] = [:]
    /// Which forward output (its index among the configuration's `forwardOutputSites`) a `<match>` or `<store>`
    /// section is, by the section's location.
    public var forwardIndex: [ConfigLocation: Int] = [:]

    public init(rules: [String: [Entry]] = [:]) { self.rules = rules }

    /// Where a tag's events go: the filters to apply in order, then the target.
    public struct Route: Sendable, Equatable {
        public var filters: [Int]
        public var target: Target

        public init(filters: [Int] = [], target: Target) {
            self.filters = filters
            self.target = target
        }

        /// True for the relay's common case (no filter, the forward output): events can pass through undecoded.
        public var isDirectForward: Bool {
            if filters.isEmpty, case .forward = target { return true }
            return false
        }
    }

    /// One `<store>` of a copy, resolved.
    public struct Branch: Sendable, Equatable {
        public var route: Route
        public var ignoreError: Bool
        public var ignoreIfPrevSuccess: Bool
    }

    /// What finally receives the events.
    public indirect enum Target: Sendable, Equatable {
        /// One of the process's forward outputs (its index among `forwardOutputSites`).
        case forward(Int)
        case stdout(StdoutOutputConfig)
        case null
        case copy([Branch])
        /// An output the runtime does not run (e.g. a primary `@type file`); refused before start.
        case unsupported(String)
        /// No `<match>` took the tag (in this label): dropped with "no patterns matched".
        case unmatched(label: String)
        /// A relabel chain longer than `maxRelabelDepth`.
        case relabelLoop(String)
    }

    /// The route of `tag` entering `label` (nil or `@ROOT`: the top level) on `worker`.
    public func resolve(tag: String, label: String?, worker: Int = 0, filters: [FilterConfig], matches: [MatchConfig]) -> Route {
        resolve(tag: tag, label: label ?? Self.root, worker: worker, filters: filters, matches: matches, depth: 0)
    }

    private func resolve(tag: String, label: String, worker: Int, filters: [FilterConfig], matches: [MatchConfig], depth: Int) -> Route {
        var applied: [Int] = []
        for entry in rules[label] ?? [] {
            if let w = entry.workers, !w.contains(worker) { continue }
            switch entry.rule {
            case .filter(let i):
                if filters[i].matches(tag) { applied.append(i) }
            case .match(let i):
                guard matches[i].matches(tag) else { continue }
                let rest = target(of: matches[i].output, at: matches[i].location, tag: tag, worker: worker, filters: filters,
                                  matches: matches, depth: depth)
                return Route(filters: applied + rest.filters, target: rest.target)
            }
        }
        return Route(filters: applied, target: .unmatched(label: label))
    }

    private func target(of output: OutputConfig, at location: ConfigLocation, tag: String, worker: Int, filters: [FilterConfig],
                        matches: [MatchConfig], depth: Int) -> Route {
        switch output {
        case .forward: return Route(target: .forward(forwardIndex[location] ?? 0))
        case .stdout(let s): return Route(target: .stdout(s))
        case .null: return Route(target: .null)
        case .file(let f): return Route(target: .unsupported("@type \(f.kind.rawValue)"))
        case .relabel(let r):
            let label = r.label ?? Self.root
            guard depth < Self.maxRelabelDepth else { return Route(target: .relabelLoop(label)) }
            return resolve(tag: tag, label: label, worker: worker, filters: filters, matches: matches, depth: depth + 1)
        case .copy(let c):
            return Route(target: .copy(c.stores.map {
                Branch(route: target(of: $0.output, at: $0.element.location, tag: tag, worker: worker, filters: filters,
                                     matches: matches, depth: depth),
                       ignoreError: $0.ignoreError, ignoreIfPrevSuccess: $0.ignoreIfPrevSuccess)
            }))
        }
    }
}
