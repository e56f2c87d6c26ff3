import Agent
/// Compares a run with its baseline run: per node, the agent's decisions (detach, disable, recover, standby
/// promotion, with causes) in order and within a time tolerance, and whether the node received traffic at all.
public enum BaselineDiff {
    /// Events that are decisions about a node (what a failover regression changes).
    static let decisionEvents: Set<AgentEventKind> = [.detached, .disabled, .recovered, .standbyPromoted, .handshakeTimeout]

    /// `event(cause)@t` for `node`, in order.
    static func decisions(_ events: [AgentEventEntry], node: String) -> [AgentEventEntry] {
        events.filter { $0.node == node && decisionEvents.contains($0.event) }
    }

    static func describe(_ e: AgentEventEntry) -> String {
        "\(e.event)\(e.cause.flatMap { $0 == e.event.rawValue ? nil : "(\($0))" } ?? "") at \(ScenarioFormat.seconds(e.time))"
    }

    /// Readable differences (empty when the runs agree for `nodes`).
    public static func differences(_ r: RunRecord, _ b: BaselineRecord, nodes: [String], tolerance: Double) -> [String] {
        var out: [String] = []
        let delivered = Dictionary(grouping: r.deliveries, by: \.receiver).mapValues(\.count)
        for node in nodes {
            let mine = decisions(r.agentEvents, node: node), theirs = decisions(b.agentEvents, node: node)
            for i in 0 ..< max(mine.count, theirs.count) {
                let a = i < mine.count ? mine[i] : nil, c = i < theirs.count ? theirs[i] : nil
                switch (a, c) {
                case let (a?, c?) where a.event == c.event && a.cause == c.cause:
                    if abs(a.time - c.time) > tolerance + 1e-9 {
                        out.append("\(node): \(a.event) at \(ScenarioFormat.seconds(a.time)), baseline at \(ScenarioFormat.seconds(c.time))")
                    }
                case let (a?, c?):
                    out.append("\(node): decision \(i + 1) is \(describe(a)), baseline \(describe(c))")
                case let (a?, nil):
                    out.append("\(node): \(describe(a)) (baseline: no such decision)")
                case let (nil, c?):
                    out.append("\(node): no \(c.event) (baseline: \(describe(c)))")
                case (nil, nil):
                    break
                }
                if out.count > 50 { return out }
            }
            let got = delivered[node, default: 0] > 0, had = b.delivered[node, default: 0] > 0
            if got != had {
                out.append("\(node): \(got ? "received \(delivered[node, default: 0]) events" : "received nothing") (baseline: \(had ? "\(b.delivered[node, default: 0]) events" : "nothing"))")
            }
        }
        return out
    }
}
