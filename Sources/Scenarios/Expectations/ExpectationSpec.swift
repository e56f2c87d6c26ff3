/// One expectation as written in the scenario, with where it was written.
public struct ExpectationSpec: Sendable, Equatable {
    public var kind: ExpectationKind
    /// Line in the scenario file.
    public var line: Int

    public init(kind: ExpectationKind, line: Int = 0) {
        self.kind = kind
        self.line = line
    }

    /// Readable statement, e.g. `detach r1 within [1, 6] s of crash-r1 (cause phi)`.
    public var statement: String {
        func s(_ v: Double) -> String { ScenarioFormat.seconds(v) }
        func after(_ a: String?) -> String { a.map { "of \($0)" } ?? "of start" }
        func from(_ o: LeavingOrigin, _ a: String?) -> String {
            switch o {
            case .step: after(a)
            case .lastArrival: "of its last arrival before " + (a ?? "start")
            case .firstArrival: "of its first arrival after " + (a ?? "start")
            }
        }
        switch kind {
        case .noLoss: return "no loss"
        case let .duplicates(m): return "duplicates ≤ \(m)"
        case let .detach(n, a, lo, hi, c, last, predicted):
            return "\(n) detached within \(predicted ? "the predicted tick (± 25 ms, or the ticks the receivers cannot decide between)" : "[\(s(lo)), \(s(hi))]") \(from(last, a))"
                + (c.map { " with cause \($0)" } ?? "")
        case let .disabled(n, a, lo, hi, c, last): return "\(n) disabled within [\(s(lo)), \(s(hi))] \(from(last, a))" + (c.map { " with cause \($0)" } ?? "")
        case let .noDetach(n): return "\(n) never detached"
        case let .firstDelivery(n, a, w): return "first event at \(n) within \(s(w)) \(after(a))"
        case let .recover(n, a, w, lo): return "\(n) recovered within \(lo > 0 ? "[\(s(lo)), \(s(w))]" : s(w)) \(after(a))"
        case let .trafficShare(n, p, t, f, to):
            var text = "\(n) share \(ScenarioFormat.number(p)) % ± \(ScenarioFormat.number(t))"
            if f != nil || to != nil { text += " in [\(f.map(s) ?? "start"), \(to.map(s) ?? "end")]" }
            return text
        case let .heartbeatCadence(n, i, t, only): return (only ? "only heartbeats to " : "heartbeats to ") + "\(n) every \(s(i)) (+\(ScenarioFormat.number(t * 100)) %)"
        case let .flaps(n, m): return "flaps\(n.map { " of \($0)" } ?? "") ≤ \(ScenarioFormat.number(m))/h"
        case let .noResendStorm(m): return "no chunk sent more than \(m) times"
        case let .agentEvent(e, n, m, a, b): return "agent event \(e)\(n.map { " on \($0)" } ?? "") ≥ \(m)\(a.map { " after \($0)" } ?? "")\(b.map { " before \($0)" } ?? "")"
        case let .stepCompletes(id, w, res): return "step \(id) completes within \(s(w))\(res.map { " answering \($0)" } ?? "")"
        case let .noAgentEvent(e, n): return "no agent event \(e)\(n.map { " on \($0)" } ?? "")"
        case let .logContains(t): return "agent log contains \"\(t)\""
        case let .accepted(lo, hi): return "input accepted \(Self.percentBounds(lo, hi)) of offered events"
        case let .lost(lo, hi): return "\(Self.percentBounds(lo, hi)) of accepted events lost"
        case let .secondary(m): return "≥ \(m) chunks written to <secondary>"
        case let .wireNoDataAfterDetach(n, g): return "wire: no data to \(n) after detach + \(s(g))"
        case let .wireFailoverGap(m): return "wire: failover gap ≤ \(s(m))"
        case .wireChunksAckedOnce: return "wire: every chunk acked exactly once"
        case let .wireSynsPerRequest(n, m): return "wire: ≤ \(ScenarioFormat.number(m)) connections per request to \(n)"
        case let .matchesBaseline(n, t): return "\(n ?? "every node"): same decisions and traffic as the baseline (± \(s(t)))"
        case let .differsFromBaseline(n, _): return "\(n ?? "some node"): decisions or traffic differ from the baseline"
        case let .wireFailoverAgrees(n, to, t):
            return "wire: failover of \(n)\(to.map { " to \($0)" } ?? "") agrees with the agent's events within \(ScenarioFormat.number(t * 1000)) ms"
        }
    }

    /// `≥ 90 %`, `≤ 0 %` or `10–50 %` for fraction bounds (an open end is 0 or 1).
    static func percentBounds(_ lo: Double, _ hi: Double) -> String {
        let pct = { (f: Double) in ScenarioFormat.number(f * 100) }
        if hi >= 1 { return "≥ \(pct(lo)) %" }
        if lo <= 0 { return "≤ \(pct(hi)) %" }
        return "\(pct(lo))–\(pct(hi)) %"
    }
}
