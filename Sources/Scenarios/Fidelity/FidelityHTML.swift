import Foundation

/// `fidelity.html`: the summary table, then per scenario both timelines side by side on one time axis (decision rows
/// and per-receiver delivery lanes for each agent, fault windows as bands) and the decision table.
enum FidelityHTML {
    static func render(_ report: FidelityReport) -> String {
        var s = """
            <!doctype html><html><head><meta charset="utf-8"><title>Fidelity vs \(HTMLText.escape(report.against))</title>
            <style>body{font-family:sans-serif;margin:24px;max-width:1000px}table{border-collapse:collapse;margin:8px 0}
            td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}.agree{color:#137333}
            .diverge,.error{color:#c5221f;font-weight:bold}.known{color:#b06000}.skipped{color:#666}</style></head><body>
            <h1>\(HTMLText.escape(report.agent)) vs \(HTMLText.escape(report.against))</h1>
            <p>\(HTMLText.escape(report.closingLine))</p><p>Fluentd from \(HTMLText.escape(report.fluentdOrigin))</p>
            <table><tr><th>scenario</th><th>status</th><th>decisions</th><th>figures (agent/fluentd)</th></tr>

            """
        for sc in report.scenarios {
            let figures = zip(sc.agentFigures.map { [$0] } ?? [], sc.fluentdFigures.map { [$0] } ?? []).map { RunFigures.compare($0, $1) }.first ?? (sc.reason ?? "")
            s += "<tr><td><a href=\"#\(HTMLText.escape(sc.scenario))\">\(HTMLText.escape(sc.scenario))</a></td><td class=\"\(sc.status.rawValue)\">\(sc.status.rawValue)</td>"
            s += "<td>\(sc.decisions.count)</td><td>\(HTMLText.escape(figures))</td></tr>\n"
        }
        s += "</table>\n"
        for sc in report.scenarios {
            s += "<h2 id=\"\(HTMLText.escape(sc.scenario))\">\(HTMLText.escape(sc.scenario)) <span class=\"\(sc.status.rawValue)\">\(sc.status.rawValue)</span></h2>\n"
            if let reason = sc.reason { s += "<p>\(HTMLText.escape(reason))</p>\n" }
            if let t = sc.timelines { s += chart(sc.scenario, t) }
            guard !sc.decisions.isEmpty else { continue }
            s += "<table><tr><th>decision</th><th>agent</th><th>fluentd</th><th>Δ</th><th>tolerance</th><th>status</th></tr>\n"
            for d in sc.decisions {
                let sec = ScenarioFormat.seconds
                s += "<tr><td>\(HTMLText.escape(d.key))</td><td>\(d.agentTime.map(sec) ?? "never")</td><td>\(d.fluentdTime.map(sec) ?? "never")</td>"
                s += "<td>\(d.difference.map(sec) ?? "-")</td><td>±\(sec(d.tolerance))</td>"
                s += "<td class=\"\(d.status.rawValue)\">\(d.status.rawValue)\(d.knownReason.map { ": " + HTMLText.escape($0) } ?? "")</td></tr>\n"
            }
            s += "</table>\n"
        }
        return s + "</body></html>\n"
    }

    /// Rows: agent decisions, Fluentd decisions, then per receiver one delivery lane per agent.
    static func chart(_ id: String, _ t: SideBySide) -> String {
        let rows = 2 + 2 * t.receivers.count
        var c = SVGChart(id: "fidelity-\(id)", title: "Decisions and deliveries: agent vs Fluentd", duration: max(t.duration, 1),
                         yMax: 1, yLabel: "")
        for w in t.faults { c.band(from: w.from, to: w.to, label: "\(w.receiver) down \(ScenarioFormat.seconds(w.from))–\(ScenarioFormat.seconds(w.to))") }
        let tick = max(t.duration, 1) / 400
        c.rowLabel("agent", row: 0, rows: rows)
        c.rowLabel("fluentd", row: 1, rows: rows)
        for m in t.agentDecisions { c.rect(from: m.time, to: m.time + tick * 2, row: 0, rows: rows, cssClass: "decision", color: "#1a73e8", label: "\(m.label) at \(ScenarioFormat.seconds(m.time))") }
        for m in t.fluentdDecisions { c.rect(from: m.time, to: m.time + tick * 2, row: 1, rows: rows, cssClass: "decision", color: "#d93025", label: "\(m.label) at \(ScenarioFormat.seconds(m.time))") }
        for (i, r) in t.receivers.enumerated() {
            c.rowLabel("\(r) agent", row: 2 + 2 * i, rows: rows)
            c.rowLabel("\(r) fluentd", row: 3 + 2 * i, rows: rows)
            for d in t.agentDeliveries[r] ?? [] { c.rect(from: d, to: d + tick, row: 2 + 2 * i, rows: rows, cssClass: "delivery", color: "#8ab4f8", label: "\(r) (agent) at \(ScenarioFormat.seconds(d))") }
            for d in t.fluentdDeliveries[r] ?? [] { c.rect(from: d, to: d + tick, row: 3 + 2 * i, rows: rows, cssClass: "delivery", color: "#f28b82", label: "\(r) (fluentd) at \(ScenarioFormat.seconds(d))") }
        }
        return c.render(legend: [("agent", "#1a73e8"), ("fluentd", "#d93025"), ("receiver down", "#f4b400")])
    }
}
