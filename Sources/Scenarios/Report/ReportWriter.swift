import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes a run's report directory: summary.json, timeline.jsonl, junit.xml, agent.log, agent.conf (rendered),
/// scenario.yaml (for `fwdlab replay`), wire.json and capture.pcap when a capture was taken, and report.html.
public enum ReportWriter {
    /// Creates `<base>/<scenario>-<UTC time>[-n]/` and returns its path.
    public static func makeRunDirectory(base: String, scenario: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        let stem = (base as NSString).appendingPathComponent("\(scenario)-\(f.string(from: Date()))")
        try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        // Bounded: two runs of one scenario in the same second (the fidelity suite runs two at once) get -2, -3, …;
        // mkdir(2) either creates the directory or fails with EEXIST, so two runs never share one.
        var path = stem
        for n in 2 ..< 1000 {
            if mkdir(path, 0o755) == 0 || errno != EEXIST { break }
            path = "\(stem)-\(n)"
        }
        return path
    }

    public static func write(_ result: ScenarioResult, scenario: Scenario, options: RunOptions, directory: String) {
        func file(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        let r = result.record ?? RunRecord(scenario: scenario.name, seed: result.seed)
        try? scenario.sourceText.write(toFile: file("scenario.yaml"), atomically: true, encoding: .utf8)
        try? r.agentLog.write(toFile: file("agent.log"), atomically: true, encoding: .utf8)
        try? JUnitWriter.render([result]).write(toFile: file("junit.xml"), atomically: true, encoding: .utf8)
        try? timelineJSONL(r).write(toFile: file("timeline.jsonl"), atomically: true, encoding: .utf8)
        try? HTMLReport.render(result, scenario: scenario).write(toFile: file("report.html"), atomically: true, encoding: .utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(summary(result, r, options)) { try? data.write(to: URL(fileURLWithPath: file("summary.json"))) }
        if let w = r.wire, let data = try? w.jsonData() { try? data.write(to: URL(fileURLWithPath: file("wire.json"))) }
        if r.wire != nil, let data = WireFigures.json(r) { try? data.write(to: URL(fileURLWithPath: file("failover-agreement.json"))) }
    }

    static func summary(_ result: ScenarioResult, _ r: RunRecord, _ options: RunOptions) -> ReportSummary {
        let iso = ISO8601DateFormatter()
        let counts = Dictionary(grouping: r.deliveries, by: \.receiver).mapValues(\.count)
        return ReportSummary(
            scenario: result.scenario, path: result.path, seed: result.seed, verdict: result.verdict.rawValue, reason: result.reason,
            startedAt: iso.string(from: Date(timeIntervalSince1970: Double(r.startedWallNanos) / 1e9)),
            duration: r.duration, timeScale: r.timeScale, wallSeconds: result.wallSeconds, agentMode: options.agentMode.rawValue, overrides: options.overrides,
            heartbeatType: r.heartbeatType, heartbeatInterval: r.heartbeatInterval, phiThreshold: r.phiThreshold,
            phiSource: PhiSeries.source(r).rawValue,
            offered: r.load.offered, accepted: r.load.accepted, refused: r.load.overflow, agentDown: r.load.agentDown,
            delivered: r.deliveries.count,
            receivers: r.receivers.map { ReportSummary.ReceiverFigures(name: $0, port: r.ports[$0] ?? 0, events: counts[$0] ?? 0,
                                                                       heartbeatsSeen: r.observations[$0]?.count ?? 0) },
            schedule: r.steps.map { ReportSummary.Step(id: $0.id, planned: $0.planned, time: $0.time, action: $0.summary, error: $0.error) },
            agentEvents: Dictionary(grouping: r.agentEvents, by: \.event.rawValue).mapValues(\.count),
            expectations: result.expectations,
            capture: r.captureNote ?? "capture.pcap",
            baseline: r.baseline.map { b in
                ReportSummary.Baseline(label: b.label, differences: BaselineDiff.differences(r, b, nodes: r.receivers, tolerance: r.heartbeatInterval))
            })
    }

    /// One JSON object per line, time-ordered: steps, agent decisions, the agent's phi samples, fault decisions, deliveries
    /// (one per request).
    public static func timelineJSONL(_ r: RunRecord) -> String {
        var rows: [(Double, Int, [String: Any])] = []
        for s in r.steps {
            var o: [String: Any] = ["t": s.time, "type": "step", "id": s.id, "action": s.kind, "summary": s.summary]
            if let rc = s.receiver { o["receiver"] = rc }
            if let e = s.error { o["error"] = e }
            rows.append((s.time, 0, o))
        }
        for e in r.agentEvents {
            var o: [String: Any] = ["t": e.time, "type": "agent", "event": e.event.rawValue, "node": e.node]
            if let c = e.cause { o["cause"] = c }
            if let p = e.phi { o["phi"] = p }
            if let th = e.threshold { o["threshold"] = th }
            if let d = e.detail { o["detail"] = d }
            rows.append((e.time, 1, o))
        }
        for p in r.phiSamples {
            // The agent's phi at a heartbeat tick (non-finite values carry `detail` instead of `phi`).
            var o: [String: Any] = ["t": p.time, "type": "phi", "node": p.node]
            if let v = p.phi { o["phi"] = v }
            if let th = p.threshold { o["threshold"] = th }
            if let d = p.detail { o["detail"] = d }
            rows.append((p.time, 1, o))
        }
        for f in r.faultLog.prefix(50_000) {
            var o: [String: Any] = ["t": f.time, "type": "fault", "receiver": f.receiver, "fault": f.fault, "kind": f.kind,
                                    "hook": f.hook, "decision": f.decision]
            if let n = f.note { o["note"] = n }
            rows.append((f.time, 2, o))
        }
        var current: (receiver: String, request: Int, t: Double, chunk: String?, first: Int64?, last: Int64?, n: Int)?
        func flush() {
            guard let c = current else { return }
            var o: [String: Any] = ["t": c.t, "type": "delivery", "receiver": c.receiver, "events": c.n]
            if let ch = c.chunk { o["chunk"] = ch.trimmingCharacters(in: .whitespacesAndNewlines) }
            if let f = c.first { o["first_seq"] = f }
            if let l = c.last { o["last_seq"] = l }
            rows.append((c.t, 3, o))
        }
        for d in r.deliveries.sorted(by: { ($0.receiver, $0.request, $0.time) < ($1.receiver, $1.request, $1.time) }) {
            if let c = current, c.receiver == d.receiver, c.request == d.request, abs(c.t - d.time) < 0.001 {
                current?.n += 1
                if let s = d.seq { current?.first = min(c.first ?? s, s); current?.last = max(c.last ?? s, s) }
            } else {
                flush()
                current = (d.receiver, d.request, d.time, d.chunk, d.seq, d.seq, 1)
            }
        }
        flush()
        rows.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        return rows.map { row in
            // A row that cannot be written says so in its place instead of vanishing (a non-JSON value slipped in).
            guard JSONSerialization.isValidJSONObject(row.2),
                  let data = try? JSONSerialization.data(withJSONObject: row.2, options: [.sortedKeys]) else {
                return #"{"t":\#(row.0),"type":"error","error":"timeline row not encodable: \#(row.2.keys.sorted().joined(separator: ","))"}"#
            }
            return String(decoding: data, as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }
}
