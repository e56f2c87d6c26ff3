/// What to do to obtain a node's address.
public enum DNSLookup: Sendable, Equatable {
    /// Use this cached address.
    case cached(String)
    /// Resolve `host` now and report the answer with `DNSCache.resolved`.
    case resolveNow
}

/// A node's DNS cache (of.rb:723-749, docs/forward-protocol.md, "DNS"). The resolver lives in the shell; this only decides.
public struct DNSCache: Sendable, Equatable {
    /// expire_dns_cache: nil = keep until a tick detach, 0 = resolve on every use, N = after N whole seconds.
    public let expire: AgentSeconds?
    /// dns_round_robin: pick a random answer instead of the first.
    public let roundRobin: Bool
    public private(set) var address: String?
    /// Wall time of the last resolution.
    public private(set) var resolvedAt: AgentSeconds = 0
    /// Whether any resolution ever succeeded (of.rb `@resolved_once`, set by a heartbeat's resolution).
    public private(set) var resolvedOnce = false

    public init(expire: AgentSeconds?, roundRobin: Bool) {
        self.expire = expire
        self.roundRobin = roundRobin
    }

    /// Decides between the cached address and a fresh resolution at wall time `now`.
    public func lookup(now: AgentSeconds) -> DNSLookup {
        guard let expire else {
            return address.map(DNSLookup.cached) ?? .resolveNow
        }
        if expire == 0 { return .resolveNow }
        guard let address else { return .resolveNow }
        // Fluentd compares EventTime seconds: whole seconds since the last resolution.
        let elapsed = now.rounded(.down) - resolvedAt.rounded(.down)
        return elapsed >= expire ? .resolveNow : .cached(address)
    }

    /// Records an answer set and returns the chosen address (first, or uniform random with round robin); nil if empty.
    @discardableResult
    public mutating func resolved(_ answers: [String], now: AgentSeconds, rng: inout SeededRandom) -> String? {
        guard !answers.isEmpty else { return nil }
        let chosen = roundRobin ? answers[rng.nextInt(below: answers.count)] : answers[0]
        address = chosen
        resolvedAt = now
        resolvedOnce = true
        return chosen
    }

    /// A tick detach forgets the cached host (of.rb:766, 775).
    public mutating func invalidate() {
        address = nil
    }
}
