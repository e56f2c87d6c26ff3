import Foundation

/// `report.html`: one self-contained page (inline SVG and CSS, no scripts or external files) with the verdict,
/// expectations, events/s per receiver, phi(t) per node against the threshold, delivery gaps, fault bands and
/// detach/recover markers with their causes, and the timeline.
public enum HTMLReport {
    static let palette = ["#1a73e8", "#188038", "#9334e6", "#e8710a", "#12b5cb", "#5f6368", "#b06000", "#00796b"]

    public static func render(_ result: ScenarioResult, scenario: Scenario) -> String {
        let r = result.record ?? RunRecord(scenario: scenario.name, seed: result.seed)
        let duration = max(r.duration, 1)
        let colors = Dictionary(uniqueKeysWithValues: r.receivers.enumerated().map { ($1, palette[$0 % palette.count]) })
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTMLText.escape(scenario.name)) — fwdlab report</title>
        <style>
        body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#202124;max-width:960px}
        h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
        .verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:bold}
        .passed{background:#188038}.failed{background:#d93025}.skipped{background:#5f6368}
        table{border-collapse:collapse;font-size:13px;width:100%} td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
        td.pass{color:#188038;font-weight:bold} td.fail{color:#d93025;font-weight:bold} td.skip{color:#5f6368}
        .meta{color:#5f6368;font-size:13px} svg.chart{border:1px solid #e0e0e0;margin:6px 0}
        </style></head><body>
        <h1>\(HTMLText.escape(scenario.name)) <span class="verdict \(result.verdict.rawValue)">\(result.verdict.rawValue.uppercased())</span></h1>
        <p class="meta">\(HTMLText.escape(scenario.description))</p>
        <p class="meta">Represents: \(HTMLText.escape(scenario.represents.isEmpty ? "-" : scenario.represents))<br>
        agent \(HTMLText.escape(r.agentLabel ?? "the Swift agent")) · seed \(result.seed) · run \(ScenarioFormat.seconds(r.duration))\(timeScaleNote(r, result)) · heartbeat \(HTMLText.escape(r.heartbeatType)) every \(ScenarioFormat.seconds(r.heartbeatInterval)) · phi_threshold \(ScenarioFormat.number(r.phiThreshold)) · hard_timeout \(ScenarioFormat.seconds(r.hardTimeout))<br>
        load: \(r.load.accepted)/\(r.load.offered) events accepted\(Self.notAccepted(r.load)) · \(r.deliveries.count) delivered · \(HTMLText.escape(r.captureNote ?? "capture taken"))</p>

        """
        if let reason = result.reason { html += "<p><b>\(result.verdict == .skipped ? "Skipped" : "Run error"):</b> \(HTMLText.escape(reason))</p>\n" }
        html += "<h2>Expectations</h2>\n<table id=\"expectations\"><tr><th>result</th><th>expectation</th><th>measured</th><th>why</th></tr>\n"
        for e in result.expectations {
            html += "<tr><td class=\"\(e.status.rawValue)\">\(e.status.rawValue.uppercased())</td><td>\(HTMLText.escape(e.statement))</td><td>\(HTMLText.escape(e.measured))</td><td>\(HTMLText.escape(e.message))</td></tr>\n"
        }
        html += "</table>\n"
        if let b = r.baseline { html += baselineSection(r, b) }

        let bands = faultBands(r)
        let marks = r.agentEvents.filter { $0.isDetach || $0.event == .recovered || $0.event == .standbyPromoted }

        // Events/s per receiver (1 s buckets).
        let buckets = Int(duration.rounded(.up)) + 1
        var perReceiver: [String: [Double]] = [:]
        for name in r.receivers { perReceiver[name] = Array(repeating: 0, count: buckets) }
        for d in r.deliveries where d.time >= 0 { perReceiver[d.receiver]?[min(buckets - 1, Int(d.time))] += 1 }
        let rateMax = perReceiver.values.flatMap { $0 }.max() ?? 1
        var rate = SVGChart(id: "chart-rate", title: "Events/s per receiver", duration: duration, yMax: max(rateMax * 1.1, 1), yLabel: "events/s")
        decorate(&rate, bands: bands, marks: marks)
        for name in r.receivers {
            let pts = (perReceiver[name] ?? []).enumerated().map { (Double($0.offset) + 0.5, Optional($0.element)) }
            rate.series(pts, cssClass: "rate-series", color: colors[name] ?? "#000", label: "\(name) events/s")
        }
        html += "<h2>Traffic</h2>\n" + rate.render(legend: r.receivers.map { ($0, colors[$0] ?? "#000") } + [("fault", "#f4b400")])

        // phi(t).
        let phiSource = PhiSeries.source(r)
        let phiSeries = r.receivers.map { ($0, PhiSeries.points(node: $0, record: r)) }
        let phiObserved = phiSeries.flatMap { $0.1.compactMap(\.phi) } + r.agentEvents.compactMap(\.phi)
        let phiMax = min(max((phiObserved.max() ?? 1), r.phiThreshold) * 1.15, max(r.phiThreshold * 3, 5))
        let phiTitle = phiSource == .agent
            ? "phi(t) per node (the agent's detector at each heartbeat tick) vs phi_threshold"
            : "phi(t) per node (rebuilt from receiver-side arrivals) vs phi_threshold"
        var phi = SVGChart(id: "chart-phi", title: phiTitle, duration: duration, yMax: max(phiMax, 0.5), yLabel: "phi")
        decorate(&phi, bands: bands, marks: marks)
        phi.hline(r.phiThreshold, cssClass: "threshold", color: "#d93025", label: "phi_threshold \(ScenarioFormat.number(r.phiThreshold))")
        for (name, points) in phiSeries {
            phi.series(points.map { ($0.time, $0.phi.map { min($0, phiMax) }) }, cssClass: "phi-series", color: colors[name] ?? "#000", label: "phi \(name)")
        }
        html += "<h2>Failure detector</h2>\n" + phi.render(legend: r.receivers.map { ($0, colors[$0] ?? "#000") } + [("threshold", "#d93025")])

        // Deliveries per receiver as lanes; gaps ≥ 1 s are marked.
        let rows = r.receivers.count + 1
        var lanes = SVGChart(id: "chart-deliveries", title: "Deliveries and gaps (≥ 1 s without events)", duration: duration, yMax: 1, yLabel: "")
        decorate(&lanes, bands: bands, marks: marks)
        for (i, name) in (r.receivers + ["all"]).enumerated() {
            lanes.rowLabel(name, row: i, rows: rows)
            let times = r.deliveries.filter { name == "all" || $0.receiver == name }.map(\.time)
            for (from, to) in spans(times, gap: 1) {
                lanes.rect(from: from, to: to, row: i, rows: rows, cssClass: "delivery-span", color: colors[name] ?? "#5f6368", label: "\(name): \(ScenarioFormat.number(from))–\(ScenarioFormat.number(to)) s")
            }
            if name == "all" {
                for (from, to) in gaps(times, gap: 1, end: r.duration) {
                    lanes.rect(from: from, to: to, row: i, rows: rows, cssClass: "delivery-gap", color: "#d93025",
                               label: "gap \(ScenarioFormat.seconds(to - from)) from \(ScenarioFormat.number(from)) s")
                }
            }
        }
        html += "<h2>Deliveries</h2>\n" + lanes.render(legend: [("gap", "#d93025")])
        html += WireFigures.html(r)

        html += "<h2>Timeline</h2>\n<table id=\"timeline\"><tr><th>t</th><th>what</th><th>detail</th></tr>\n"
        var rowsOut: [(Double, String, String)] = r.steps.map { ($0.time, "step \($0.id)", $0.summary + ($0.error.map { " — ERROR: \($0)" } ?? "")) }
        rowsOut += r.agentEvents.filter { !$0.event.rawValue.hasPrefix("chunk_") }.prefix(500).map { e in
            var d = e.cause.map { "cause \($0)" } ?? ""
            if let p = e.phi { d += " phi \(ScenarioFormat.number(p))" }
            if let x = e.detail { d += " \(x)" }
            return (e.time, "agent \(e.event.rawValue) \(e.node)", d)
        }
        for (t, what, detail) in rowsOut.sorted(by: { $0.0 < $1.0 }) {
            html += "<tr><td>\(String(format: "%.3f", t))</td><td>\(HTMLText.escape(what))</td><td>\(HTMLText.escape(detail))</td></tr>\n"
        }
        html += "</table>\n</body></html>\n"
        return html
    }

    /// Decisions per node in the baseline build's run and in this one, side by side.
    static func baselineSection(_ r: RunRecord, _ b: BaselineRecord) -> String {
        let delivered = Dictionary(grouping: r.deliveries, by: \.receiver).mapValues(\.count)
        func cell(_ events: [AgentEventEntry], _ count: Int) -> String {
            let d = events.prefix(20).map(BaselineDiff.describe).joined(separator: ", ")
            return HTMLText.escape((d.isEmpty ? "no decisions" : d) + "; \(count) events delivered")
        }
        var html = "<h2>Compared with the baseline build: \(HTMLText.escape(b.label))</h2>\n"
        if let executable = b.executable {
            html += "<p class=\"meta\">baseline agent: <code>\(HTMLText.escape(executable)) agent</code> as a child process</p>\n"
        }
        html += "<table id=\"baseline\"><tr><th>node</th><th>baseline</th><th>this run</th></tr>\n"
        for node in r.receivers {
            html += "<tr><td>\(HTMLText.escape(node))</td><td>\(cell(BaselineDiff.decisions(b.agentEvents, node: node), b.delivered[node, default: 0]))</td>"
            html += "<td>\(cell(BaselineDiff.decisions(r.agentEvents, node: node), delivered[node, default: 0]))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// " (N refused by the buffer, M while the agent was down)", leaving out the zero parts.
    static func notAccepted(_ load: LoadFigures) -> String {
        var parts: [String] = []
        if load.overflow > 0 { parts.append("\(load.overflow) refused by the buffer") }
        if load.agentDown > 0 { parts.append("\(load.agentDown) while the agent was down") }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }

    /// Says when the run was time-scaled: every time shown is scenario time, the run itself took k times as long.
    static func timeScaleNote(_ r: RunRecord, _ result: ScenarioResult) -> String {
        guard r.timeScale != 1 else { return "" }
        return " (time_scale \(ScenarioFormat.number(r.timeScale)): all times are scenario seconds; the run took \(ScenarioFormat.seconds(result.wallSeconds)) of real time)"
    }

    static func decorate(_ chart: inout SVGChart, bands: [(Double, Double, String)], marks: [AgentEventEntry]) {
        for (a, b, label) in bands { chart.band(from: a, to: b, label: label) }
        for m in marks {
            let recover = m.event == .recovered
            chart.marker(at: m.time, cssClass: recover ? "recover-marker" : "detach-marker", color: recover ? "#188038" : "#d93025",
                         label: "\(m.node) \(m.event)\(m.cause.map { " (\($0))" } ?? "") at \(ScenarioFormat.number(m.time)) s")
        }
    }

    /// Fault bands: from a disturbing step to the step that ends it (or the end of the run).
    static func faultBands(_ r: RunRecord) -> [(Double, Double, String)] {
        var out: [(Double, Double, String)] = []
        for (receiver, windows) in DownWindows.compute(r) {
            for (a, b) in windows { out.append((a, b, "\(receiver) down")) }
        }
        var open: [String: (Double, String)] = [:]
        for s in r.steps where s.error == nil {
            let key = s.receiver.map { "\($0)/" + (s.summary.components(separatedBy: " ").dropFirst(2).first ?? "") } ?? s.kind
            if s.kind == "apply" { open[key] = (s.time, s.summary) }
            if s.kind == "remove", let o = open.removeValue(forKey: key) { out.append((o.0, s.time, o.1)) }
            if s.kind == "kill_agent" { open["agent"] = (s.time, "agent killed") }
            if s.kind == "restart_agent", let o = open.removeValue(forKey: "agent") { out.append((o.0, s.time, o.1)) }
        }
        for (_, o) in open { out.append((o.0, r.duration, o.1)) }
        return out
    }

    static func spans(_ times: [Double], gap: Double) -> [(Double, Double)] {
        guard var start = times.first else { return [] }
        var last = start
        var out: [(Double, Double)] = []
        for t in times.dropFirst() {
            if t - last > gap { out.append((start, last)); start = t }
            last = t
        }
        out.append((start, last))
        return out
    }

    static func gaps(_ times: [Double], gap: Double, end: Double) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        var last: Double?
        for t in times {
            if let l = last, t - l >= gap { out.append((l, t)) }
            last = t
        }
        return out
    }
}
