/// What the balancer needs to know about a configured `<server>`.
public struct BalancerNode: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var weight: Int
    public var standby: Bool

    public init(host: String, port: Int = 24224, weight: Int = 60, standby: Bool = false) {
        self.host = host
        self.port = port
        self.weight = weight
        self.standby = standby
    }
}

/// lb.rb's `NoNodesAvailable`: nothing selectable for a send.
public struct NoNodesAvailable: Error, Sendable, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "no nodes are available" }
}

/// Fluentd's weight-array load balancer (lb.rb, docs/forward-protocol.md, "Load balancing"), deterministic for a given seed.
public struct WeightedBalancer: Sendable, Equatable {
    /// One send's walk over the array: the node indices to try in order, with the pointer value after each.
    public struct Plan: Sendable, Equatable {
        /// Candidate node indices in the order Fluentd would try them (nodes may repeat, quirk 28 (docs/quirks.md)).
        public var candidates: [Int]
        /// Round-robin pointer after trying `candidates[i]` and stopping there.
        public var pointerAfter: [Int]
        /// Pointer after a full pass where every candidate failed.
        public var pointerAfterPass: Int
    }

    /// Seed re-used on every rebuild (lb.rb: `Random.new(@rand_seed)`), so the permutation is stable.
    public let seed: UInt64
    /// Node indices, one entry per slot.
    public private(set) var weightArray: [Int] = []
    /// Round-robin pointer; never reset by rebuilds (docs/forward-protocol.md, "Weight array", step 9).
    public private(set) var pointer = 0
    /// Better behaviour (quirk 28), off by default: a node is tried at most once per send.
    public var skipTriedNodes = false

    public init(seed: UInt64) { self.seed = seed }

    /// `rebuild_weight_array` (docs/forward-protocol.md, "Weight array"). Returns the warnings Fluentd logs ("using standby node …", "No nodes are available")
    /// and the promoted standby indices.
    /// `ids[i]` is the index the array, `isAvailable` and `promoted` use for `nodes[i]` (the registered nodes of a
    /// core whose service discovery took some out); nil: the positions themselves.
    @discardableResult
    public mutating func rebuild(nodes: [BalancerNode], ids: [Int]? = nil, isAvailable: (Int) -> Bool) -> (logs: [CoreLog], promoted: [Int]) {
        guard let ids else { return rebuildPositions(nodes: nodes, isAvailable: isAvailable) }
        let r = rebuildPositions(nodes: nodes) { ids.indices.contains($0) && isAvailable(ids[$0]) }
        weightArray = weightArray.map { ids[$0] }
        return (r.logs, r.promoted.map { ids[$0] })
    }

    private mutating func rebuildPositions(nodes: [BalancerNode], isAvailable: (Int) -> Bool) -> (logs: [CoreLog], promoted: [Int]) {
        var logs: [CoreLog] = []
        var promoted: [Int] = []
        var regular: [Int] = []
        var standby: [Int] = []
        for (i, n) in nodes.enumerated() where n.weight > 0 {  // step 1
            if n.standby { standby.append(i) } else { regular.append(i) }
        }
        var lost = 0
        for i in regular where !isAvailable(i) { lost += nodes[i].weight }
        logs.append(CoreLog(.debug, "rebuilding weight array lost_weight=\(lost)"))
        if lost > 0 {
            for i in standby where isAvailable(i) {
                regular.append(i)
                promoted.append(i)
                logs.append(CoreLog(.warn, "using standby node \(nodes[i].host):\(nodes[i].port) weight=\(nodes[i].weight)"))
                lost -= nodes[i].weight
                if lost <= 0 { break }
            }
        }
        if regular.isEmpty {
            logs.append(CoreLog(.warn, "No nodes are available"))
            weightArray = []
            return (logs, promoted)
        }
        let g = regular.reduce(0) { Self.gcd($0, nodes[$1].weight) }
        var array: [Int] = []
        for i in regular {
            let reps = g > 0 ? nodes[i].weight / g : 1
            array.append(contentsOf: repeatElement(i, count: max(1, reps)))
        }
        let coe = array.isEmpty ? 0 : (regular.count * 6) / array.count
        if coe > 1 {
            let once = array
            for _ in 1..<coe { array.append(contentsOf: once) }
        }
        // `sort_by { r.rand }` with a freshly seeded PRNG: a permutation that depends only on the seed and
        // the array (not Ruby's MT sequence, so the exact order differs from real Fluentd).
        var rng = SeededRandom(seed: seed)
        let keyed = array.map { ($0, rng.next()) }
        weightArray = keyed.enumerated()
            .sorted { $0.element.1 != $1.element.1 ? $0.element.1 < $1.element.1 : $0.offset < $1.offset }
            .map { $0.element.0 }
        return (logs, promoted)
    }

    /// `select_healthy_node` (docs/forward-protocol.md, "Node selection") without performing sends: the ordered candidates for one send
    /// (unavailable slots skipped). Throws `NoNodesAvailable` when no slot is available.
    /// Call `finish(_:succeededAt:)` with the outcome to advance the pointer as Fluentd would.
    public func plan(isAvailable: (Int) -> Bool) throws(NoNodesAvailable) -> Plan {
        let len = weightArray.count
        guard len > 0 else { throw NoNodesAvailable() }
        var candidates: [Int] = []
        var after: [Int] = []
        var tried = Set<Int>()
        var rr = pointer
        for _ in 0..<len {
            let r = rr % len
            rr = (r + 1) % len
            let node = weightArray[r]
            guard isAvailable(node) else { continue }
            if skipTriedNodes {
                if tried.contains(node) { continue }
                tried.insert(node)
            }
            candidates.append(node)
            after.append(rr)
        }
        guard !candidates.isEmpty else { throw NoNodesAvailable() }
        return Plan(candidates: candidates, pointerAfter: after, pointerAfterPass: rr)
    }

    /// Advances the pointer after a send: to just past the successful candidate, or past the whole pass.
    public mutating func finish(_ plan: Plan, succeededAt index: Int?) {
        if let index, plan.pointerAfter.indices.contains(index) {
            pointer = plan.pointerAfter[index]
        } else {
            pointer = plan.pointerAfterPass
        }
    }

    /// Convenience for simulations where every send to an available node succeeds: picks and advances.
    public mutating func next(isAvailable: (Int) -> Bool) throws(NoNodesAvailable) -> Int {
        let p = try plan(isAvailable: isAvailable)
        finish(p, succeededAt: 0)
        return p.candidates[0]
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (abs(a), abs(b))
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
