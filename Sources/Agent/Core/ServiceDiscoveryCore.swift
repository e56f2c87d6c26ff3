/// A service entering or leaving (Fluentd's `DiscoveryMessage`).
public enum ServiceDiscoveryMessage: Sendable, Equatable {
    case serviceIn(DiscoveredService)
    case serviceOut(DiscoveredService)
}

/// The kinds of discovery whose list changes after start (`static` never does).
public enum ServiceDiscoveryKind: String, Sendable, Equatable {
    case file, srv
}

/// Fluentd 1.16's service-discovery manager without I/O (docs/agent-parameters.md, "<service_discovery>"): each
/// dynamic source reports the list it read; the difference from its previous list is queued as service-in
/// messages first, then service-out; the manager's own timer (every `managerInterval`, from the output's start)
/// hands the queued messages over in one batch, which the forwarder core applies and follows with one rebuild.
public struct ServiceDiscoveryCore: Sendable, Equatable {
    /// `service_discovery_configure`'s interval for out_forward (plugin_helper/service_discovery.rb): 3 s.
    public static let managerInterval: AgentSeconds = 3

    /// What a refresh of one source produced, for the shell to log.
    public enum Outcome: Sendable, Equatable {
        /// Nothing changed (or the list was ignored): no messages queued.
        case unchanged
        /// `count` messages queued for the next manager tick.
        case queued(Int)
        /// The read failed: Fluentd logs `sd_file: …` / `sd_srv: …` at error and keeps the old list.
        case failed(log: String)
    }

    public let kinds: [ServiceDiscoveryKind]
    /// Each source's current list (what the next diff compares against).
    public private(set) var lists: [[DiscoveredService]]
    /// Messages waiting for the manager's timer (the Ruby `Queue`).
    public private(set) var queue: [ServiceDiscoveryMessage] = []

    /// `initial`: each source's list as read at configure.
    public init(kinds: [ServiceDiscoveryKind], initial: [[DiscoveredService]]) {
        self.kinds = kinds
        self.lists = kinds.indices.map { initial.indices.contains($0) ? initial[$0] : [] }
    }

    /// Whether the manager's timer runs at all: only when some discovery is not `static` (manager.rb `static_config?`).
    public var hasDynamicSources: Bool { !kinds.isEmpty }

    /// A source read `list`. `sd_file` takes any list, even an empty one (every node then goes out: quirk 39,
    /// docs/quirks.md); `sd_srv` skips an empty answer and keeps its old list.
    public mutating func refreshed(source: Int, list: [DiscoveredService]) -> Outcome {
        guard lists.indices.contains(source) else { return .unchanged }
        if kinds[source] == .srv && list.isEmpty { return .unchanged }
        let messages = Self.diff(old: lists[source], new: list)
        lists[source] = list
        queue.append(contentsOf: messages)
        return messages.isEmpty ? .unchanged : .queued(messages.count)
    }

    /// A source's read failed with `message` (Ruby's exception text): logged, old list kept.
    public func failed(source: Int, message: String) -> Outcome {
        guard kinds.indices.contains(source) else { return .unchanged }
        return .failed(log: "sd_\(kinds[source].rawValue): \(message)")
    }

    /// The manager's timer (`run_once`): every queued message, in order; empty when nothing was queued (then
    /// Fluentd does not rebuild either).
    public mutating func timerFired() -> [ServiceDiscoveryMessage] {
        defer { queue.removeAll() }
        return queue
    }

    /// sd_file/sd_srv `refresh_*`: entries of `new` not in `old` come in (in `new`'s order, duplicates kept), then
    /// entries of `old` not in `new` go out (Ruby's `Array#-`: by equality of every field).
    public static func diff(old: [DiscoveredService], new: [DiscoveredService]) -> [ServiceDiscoveryMessage] {
        let oldSet = Set(old)
        let newSet = Set(new)
        return new.filter { !oldSet.contains($0) }.map { .serviceIn($0) }
            + old.filter { !newSet.contains($0) }.map { .serviceOut($0) }
    }
}
