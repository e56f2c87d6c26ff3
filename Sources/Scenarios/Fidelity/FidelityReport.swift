import Foundation

/// The fidelity suite's result: per scenario, the aligned decisions and both runs' figures (`fidelity.json`).
public struct FidelityReport: Sendable, Codable {
    public var agent: String
    public var against: String
    public var fluentdOrigin: String
    public var scenarios: [ScenarioFidelity] = []

    public init(agent: String, against: String, fluentdOrigin: String) {
        self.agent = agent
        self.against = against
        self.fluentdOrigin = fluentdOrigin
    }

    /// Divergences beyond tolerance that no scenario records as known, or scenarios that could not be compared.
    public var failed: Bool { scenarios.contains { $0.status == .diverge || $0.status == .error } }

    public var closingLine: String {
        let count = { (s: ScenarioFidelity.Status) in self.scenarios.filter { $0.status == s }.count }
        let decisions = scenarios.flatMap(\.decisions)
        let known = decisions.filter { $0.status == .known }.count
        let diverged = decisions.filter { $0.status == .diverge }.count
        return "fidelity vs \(against): \(count(.agree)) agree, \(count(.known)) with known divergences, "
            + "\(count(.diverge)) diverge, \(count(.error)) error, \(count(.skipped)) skipped "
            + "(decisions: \(decisions.count - known - diverged) within tolerance, \(known) known, \(diverged) diverging)"
    }

    /// The side-by-side page (`fidelity.html`).
    public func html() -> String { FidelityHTML.render(self) }

    public func json() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return (try? String(decoding: e.encode(self), as: UTF8.self)) ?? "{}"
    }

    /// One test suite per scenario, one test case per decision (a divergence is a failure, a known one a skip
    /// with its reason, never a pass).
    public func junit() -> String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"fidelity vs \(JUnitWriter.esc(against))\">\n"
        for sc in scenarios {
            let failures = sc.decisions.filter { $0.status == .diverge }.count + (sc.status == .error ? 1 : 0)
            let skipped = sc.decisions.filter { $0.status == .known }.count + (sc.status == .skipped ? 1 : 0)
            s += "  <testsuite name=\"\(JUnitWriter.esc(sc.scenario))\" tests=\"\(max(1, sc.decisions.count))\" failures=\"\(failures)\" skipped=\"\(skipped)\">\n"
            switch sc.status {
            case .skipped:
                s += "    <testcase name=\"run\"><skipped message=\"\(JUnitWriter.esc(sc.reason ?? ""))\"/></testcase>\n"
            case .error:
                s += "    <testcase name=\"run\"><failure message=\"\(JUnitWriter.esc(sc.reason ?? ""))\"/></testcase>\n"
            default:
                for d in sc.decisions {
                    s += "    <testcase name=\"\(JUnitWriter.esc(d.key))\""
                    switch d.status {
                    case .agree: s += "/>\n"
                    case .diverge: s += "><failure message=\"\(JUnitWriter.esc(d.summary))\"/></testcase>\n"
                    case .known: s += "><skipped message=\"\(JUnitWriter.esc("known divergence: \(d.knownReason ?? "") — \(d.summary)"))\"/></testcase>\n"
                    }
                }
            }
            s += "  </testsuite>\n"
        }
        return s + "</testsuites>\n"
    }
}

/// One scenario on both agents.
public struct ScenarioFidelity: Sendable, Codable {
    /// `agree`: every decision within tolerance; `known`: only recorded divergences; `diverge`: at least one other;
    /// `error`: a run failed to start or broke; `skipped`: cannot run on Fluentd (with the reason).
    public enum Status: String, Sendable, Codable { case agree, known, diverge, error, skipped }

    public var scenario: String
    public var path: String
    public var status: Status
    public var reason: String?
    public var decisions: [FidelityDecision] = []
    public var tolerances: DecisionAlignment.Tolerances?
    public var agentFigures: RunFigures?
    public var fluentdFigures: RunFigures?
    /// Each run's own verdict on the scenario's expectations.
    public var agentVerdict: String?
    public var fluentdVerdict: String?
    public var agentReport: String?
    public var fluentdReport: String?
    public var timelines: SideBySide?
    /// The start phases Fluentd's buffer threads took (`FluentdThreadStarts.summary`), which the agent's run
    /// reproduced (docs/fidelity.md, "Fluentd's thread start phases").
    public var threadStarts: String?

    public init(scenario: String, path: String, status: Status, reason: String? = nil) {
        self.scenario = scenario
        self.path = path
        self.status = status
        self.reason = reason
    }

    /// What the terminal shows for this scenario: a verdict line, then every decision that is not within tolerance.
    public var lines: [String] {
        let tag = switch status {
        case .agree: "AGREE"
        case .known: "KNOWN"
        case .diverge: "DIVERGE"
        case .error: "ERROR"
        case .skipped: "SKIP"
        }
        var head = "\(tag) \(scenario)"
        if let reason { head += ": \(reason)" }
        else {
            let n = decisions.count
            head += ": \(n) decision\(n == 1 ? "" : "s"), \(decisions.filter { $0.status == .agree }.count) within tolerance"
            if let a = agentFigures, let f = fluentdFigures { head += "; " + RunFigures.compare(a, f) }
            if let threadStarts { head += "; thread starts \(threadStarts)" }
        }
        return [head] + decisions.filter { $0.status != .agree }.map { "  " + $0.summary + ($0.knownReason.map { " — \($0)" } ?? "") }
    }
}

/// What one run delivered, from the receivers' ledgers (the same source for both agents).
public struct RunFigures: Sendable, Codable, Equatable {
    public var accepted: Int
    public var delivered: Int
    public var lost: Int
    /// Event arrivals beyond the first per sequence number.
    public var duplicates: Int
    /// Chunk arrivals beyond the first per chunk id (resends that reached a receiver).
    public var resends: Int
    /// Resent chunks that went to the receiver of the previous attempt, and to another one.
    public var resendsToSameNode: Int
    public var resendsToOtherNode: Int
    /// Chunks whose ack the agent gave up on (`ack_failed` with cause `ack_timeout`).
    public var ackTimeouts: Int
    /// Share of deliveries per receiver, percent.
    public var share: [String: Double]

    public init(_ r: RunRecord) {
        accepted = r.load.accepted
        delivered = r.deliveries.count
        let seen = Set(r.deliveries.compactMap(\.seq))
        lost = r.load.acceptedSequences.filter { !seen.contains($0) }.count
        var seqCounts: [Int64: Int] = [:]
        for d in r.deliveries { if let s = d.seq { seqCounts[s, default: 0] += 1 } }
        duplicates = seqCounts.values.reduce(0) { $0 + max(0, $1 - 1) }
        // Attempts per chunk in arrival order (one per request; a request's events share its chunk id).
        var attempts: [String: [(String, Int)]] = [:]
        for d in r.deliveries.sorted(by: { $0.time < $1.time }) {
            guard let c = d.chunk else { continue }
            if !(attempts[c]?.contains { $0 == (d.receiver, d.request) } ?? false) { attempts[c, default: []].append((d.receiver, d.request)) }
        }
        resends = attempts.values.reduce(0) { $0 + max(0, $1.count - 1) }
        var same = 0, other = 0
        for list in attempts.values where list.count > 1 {
            for i in 1 ..< list.count { if list[i].0 == list[i - 1].0 { same += 1 } else { other += 1 } }
        }
        resendsToSameNode = same
        resendsToOtherNode = other
        ackTimeouts = r.agentEvents.filter { $0.event == .ackFailed && $0.cause == "ack_timeout" }.count
        let total = Double(max(1, delivered))
        share = Dictionary(grouping: r.deliveries, by: \.receiver).mapValues { Double($0.count) / total * 100 }
        for name in r.receivers where share[name] == nil { share[name] = 0 }
    }

    /// `loss 0/0, duplicates 0/12, resends 0/3, share r1 40/0 % …` (agent/Fluentd).
    static func compare(_ a: RunFigures, _ f: RunFigures) -> String {
        let nodes = Set(a.share.keys).union(f.share.keys).sorted()
        let share = nodes.map { "\($0) \(Int(a.share[$0, default: 0].rounded()))/\(Int(f.share[$0, default: 0].rounded()))" }
        return "loss \(a.lost)/\(f.lost), duplicates \(a.duplicates)/\(f.duplicates), resends \(a.resends)/\(f.resends) "
            + "(to another node \(a.resendsToOtherNode)/\(f.resendsToOtherNode)), ack timeouts \(a.ackTimeouts)/\(f.ackTimeouts), "
            + "share % \(share.joined(separator: " ")) (agent/fluentd)"
    }
}

/// Both runs' timelines on one axis, for the HTML page: decisions, deliveries per receiver, fault windows.
public struct SideBySide: Sendable, Codable {
    /// A labelled instant.
    public struct Mark: Sendable, Codable { public var time: Double; public var label: String }
    /// A time window on one receiver.
    public struct Window: Sendable, Codable { public var receiver: String; public var from: Double; public var to: Double }

    public var duration: Double
    public var receivers: [String]
    public var agentDecisions: [Mark]
    public var fluentdDecisions: [Mark]
    /// Delivery instants per receiver (one per request), each side.
    public var agentDeliveries: [String: [Double]]
    public var fluentdDeliveries: [String: [Double]]
    /// When each receiver was down on purpose (from the executed timeline of the agent's run).
    public var faults: [Window]
    public var steps: [Mark]

    init(agent a: RunRecord, fluentd f: RunRecord) {
        duration = max(a.duration, f.duration)
        receivers = a.receivers
        func marks(_ r: RunRecord) -> [Mark] {
            DecisionAlignment.keyed(r.agentEvents).map { Mark(time: $0.event.time, label: $0.key) }
        }
        func deliveries(_ r: RunRecord) -> [String: [Double]] {
            var seen = Set<String>()
            var out: [String: [Double]] = [:]
            for d in r.deliveries where seen.insert("\(d.receiver)#\(d.request)").inserted {
                out[d.receiver, default: []].append(d.time)
            }
            return out
        }
        agentDecisions = marks(a)
        fluentdDecisions = marks(f)
        agentDeliveries = deliveries(a)
        fluentdDeliveries = deliveries(f)
        faults = DownWindows.compute(a).flatMap { r, ws in ws.map { Window(receiver: r, from: $0.0, to: $0.1) } }
        steps = a.steps.map { Mark(time: $0.time, label: "\($0.id): \($0.summary)") }
    }
}
