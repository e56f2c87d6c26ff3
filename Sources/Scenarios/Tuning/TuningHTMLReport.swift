import Foundation

/// Renders a `TuningReportDocument` as one self-contained HTML page with inline SVG charts (no external assets).
public enum TuningHTMLReport {
    /// The whole page.
    public static func render(_ doc: TuningReportDocument) -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>fwdlab tune — \(esc(doc.modelName))</title>
        <style>
        body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1150px;color:#222;line-height:1.4}
        h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}
        th{background:#f4f4f4}tr.rec td{background:#fff3c4;font-weight:bold}tr.par td{background:#eef7ee}
        .box{border:2px solid #c90;background:#fffaf0;padding:.8em 1.2em;margin:1em 0;border-radius:6px}
        .bad{border-color:#c33;background:#fff0f0}pre{background:#f6f6f6;padding:.6em;border-radius:4px}
        svg{background:#fff;border:1px solid #ddd;margin:.5em 0}.note{color:#555;font-size:13px}
        details summary{cursor:pointer;color:#036}
        </style></head><body>
        <h1>Phi accrual tuning: heartbeat_interval × phi_threshold</h1>
        <p class="note">Generated \(esc(doc.generatedAt)) · network model <b>\(esc(doc.modelName))</b>\(doc.traceSource.map { " · trace replay <b>\(esc($0))</b>" } ?? "") ·
        \(doc.runs) runs, \(TuningFormat.trimmed(doc.simulatedHours, digits: 1)) simulated hours in \(TuningFormat.trimmed(doc.wallSeconds, digits: 2)) s
        (\(TuningFormat.trimmed(doc.simulatedHoursPerSecond, digits: 0)) sim-h/s) · \(doc.grid.seeds) seeds per setting.</p>
        <ul class="note">\(doc.modelSummary.map { "<li>\(esc($0))</li>" }.joined())</ul>

        """
        h += "<h2>Recommendation</h2>\n<p>Objective: <b>\(esc(doc.objective.summary))</b></p>\n"
        for r in doc.recommendations { h += recommendationBox(r) }
        h += "<h2>Trade-off: detection latency vs false detaches</h2>\n"
        h += "<p class=\"note\">Each curve is one heartbeat_interval; points along it are phi_thresholds (higher threshold → slower detection, fewer false detaches). "
        h += "Black steps: Pareto frontier. Red dashed line: the hard_timeout wall (\(TuningFormat.seconds(doc.hardTimeout))) — no setting detects later than one tick after it. Zero false detaches are drawn on the bottom row.</p>\n"
        h += tradeoffChart(doc)
        for d in doc.grid.detectors {
            h += "<h2>Detection latency vs phi_threshold (\(d.rawValue))</h2>\n"
            h += latencyChart(doc, detector: d)
        }
        h += "<h2>phi(t) traces</h2>\n"
        if doc.phiTraces.isEmpty {
            h += "<p class=\"note\">No traces: no false detach and no detection to show.</p>\n"
        }
        for ex in doc.phiTraces { h += phiChart(ex) }
        h += "<h2>Notes</h2>\n<ul class=\"note\">\(doc.notes.map { "<li>\(esc($0))</li>" }.joined())</ul>\n"
        h += "<h2>All settings</h2>\n<details><summary>Show table (\(doc.points.count) rows)</summary>\n" + table(doc) + "</details>\n"
        h += "</body></html>\n"
        return h
    }

    // MARK: - Pieces

    static func recommendationBox(_ r: TuningRecommendation) -> String {
        let p = r.point
        var s = "<div class=\"box\(r.feasible ? "" : " bad")\"><b>\(esc(p.detector.rawValue)) detector:</b> heartbeat_interval <b>\(TuningFormat.seconds(p.interval))</b>, phi_threshold <b>\(TuningFormat.trimmed(p.threshold, digits: 2))</b>"
        s += r.feasible ? "" : " — <b>objective not met</b>"
        s += "<br>Detection latency p50 \(sec(p.latencyP50)), p95 \(sec(p.latencyP95)) (95% CI \(TuningFormat.seconds(r.latencyInterval[0]))–\(TuningFormat.seconds(r.latencyInterval[1]))), p99 \(sec(p.latencyP99))"
        s += "<br>False detaches \(TuningFormat.trimmed(p.falsePerDay, digits: 3))/day (95% CI \(TuningFormat.trimmed(r.falsePerDayInterval[0], digits: 3))–\(TuningFormat.trimmed(r.falsePerDayInterval[1], digits: 3)); Poisson upper bound \(TuningFormat.trimmed(p.falsePerDayUpper, digits: 3))), flaps \(TuningFormat.trimmed(p.flapsPerHour, digits: 3))/h"
        s += p.recoveryMean.map { ", recovery after a false detach \(TuningFormat.seconds($0)) on average" } ?? ""
        s += "<br>Bytes at risk during detection (p95): \(TuningFormat.bytes(p.bytesAtRiskP95 ?? 0))"
        if let w = r.withinTargetInterval {
            s += "<br>Seeds detected within the target: Wilson 95% interval \(pct(w[0]))–\(pct(w[1]))"
        }
        s += "<br>Confidence: the objective holds in <b>\(pct(r.confidence))</b> of bootstrap resamples of the seeds. \(esc(r.reason))."
        s += "<pre>&lt;match **&gt;\n  @type forward\n" + r.configLines.map { "  " + esc($0) }.joined(separator: "\n") + "\n&lt;/match&gt;</pre></div>\n"
        return s
    }

    static func table(_ doc: TuningReportDocument) -> String {
        let rec = Set(doc.recommendations.map(\.pointIndex))
        var s = "<table><tr><th>detector</th><th>h</th><th>phi</th><th>p50</th><th>p95</th><th>p99</th><th>by phi</th><th>never</th><th>false/day</th><th>hard-timeout false</th><th>flaps/h</th><th>recovery</th><th>availability</th><th>bytes at risk p95</th></tr>\n"
        for (i, p) in doc.points.enumerated() {
            let cls = rec.contains(i) ? " class=\"rec\"" : (p.pareto ? " class=\"par\"" : "")
            s += "<tr\(cls)><td>\(p.detector.rawValue)</td><td>\(TuningFormat.seconds(p.interval))</td><td>\(TuningFormat.trimmed(p.threshold, digits: 2))</td>"
            s += "<td>\(sec(p.latencyP50))</td><td>\(sec(p.latencyP95))</td><td>\(sec(p.latencyP99))</td><td>\(pct(p.detectedByPhiFraction))</td><td>\(p.undetected)</td>"
            s += "<td>\(TuningFormat.trimmed(p.falsePerDay, digits: 3))</td><td>\(p.falseDetachesByHardTimeout)</td><td>\(TuningFormat.trimmed(p.flapsPerHour, digits: 3))</td>"
            s += "<td>\(sec(p.recoveryMean))</td><td>\(TuningFormat.trimmed(p.availability * 100, digits: 4))%</td><td>\(TuningFormat.bytes(p.bytesAtRiskP95 ?? .nan))</td></tr>\n"
        }
        return s + "</table>\n"
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    static func dash(_ d: DetectorChoice) -> String {
        switch d {
        case .fluentd: ""
        case .exponential: " stroke-dasharray=\"6 3\""
        case .normal: " stroke-dasharray=\"2 3\""
        }
    }

    static func tradeoffChart(_ doc: TuningReportDocument) -> String {
        let c = Canvas(width: 900, height: 520)
        let lats = doc.points.compactMap(\.latencyP95)
        let xMax = max((lats.max() ?? 1), doc.hardTimeout + (doc.grid.intervals.max() ?? 1)) * 1.05
        let positive = doc.points.map(\.falsePerDay).filter { $0 > 0 }
        let yMinExp = floor(log10(max(1e-4, (positive.min() ?? 0.1) / 2)))
        let yMaxExp = max(yMinExp + 1, ceil(log10(max(positive.max() ?? 1, 1) * 1.5)))
        func x(_ v: Double) -> Double { c.left + v / xMax * c.plotWidth }
        // Rows: a zero band at the bottom, then log decades.
        let zeroBand = 24.0
        func y(_ v: Double) -> Double {
            if v <= 0 { return c.bottom - 8 }
            let f = (log10(v) - yMinExp) / (yMaxExp - yMinExp)
            return c.bottom - zeroBand - f * (c.plotHeight - zeroBand)
        }
        var s = c.open()
        // Axes and grid.
        for e in stride(from: yMinExp, through: yMaxExp, by: 1) {
            let yy = y(pow(10, e))
            s += "<line x1=\"\(f(c.left))\" y1=\"\(f(yy))\" x2=\"\(f(c.right))\" y2=\"\(f(yy))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(c.left - 6))\" y=\"\(f(yy + 4))\" text-anchor=\"end\" font-size=\"11\">\(TuningFormat.trimmed(pow(10, e), digits: 4))</text>"
        }
        s += "<text x=\"\(f(c.left - 6))\" y=\"\(f(c.bottom - 4))\" text-anchor=\"end\" font-size=\"11\">0</text>"
        for t in niceTicks(max: xMax) {
            s += "<line x1=\"\(f(x(t)))\" y1=\"\(f(c.top))\" x2=\"\(f(x(t)))\" y2=\"\(f(c.bottom))\" stroke=\"#f2f2f2\"/>"
            s += "<text x=\"\(f(x(t)))\" y=\"\(f(c.bottom + 16))\" text-anchor=\"middle\" font-size=\"11\">\(TuningFormat.trimmed(t, digits: 1))</text>"
        }
        s += c.frame(xLabel: "detection latency p95 after death (s)", yLabel: "false detaches per day (log)")
        // hard_timeout wall.
        s += "<line x1=\"\(f(x(doc.hardTimeout)))\" y1=\"\(f(c.top))\" x2=\"\(f(x(doc.hardTimeout)))\" y2=\"\(f(c.bottom))\" stroke=\"#d00\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>"
        s += "<text x=\"\(f(x(doc.hardTimeout) - 4))\" y=\"\(f(c.top + 12))\" text-anchor=\"end\" font-size=\"11\" fill=\"#d00\">hard_timeout wall</text>"
        let ni = doc.grid.intervals.count, nt = doc.grid.thresholds.count
        var legendY = c.top + 4
        for (d, det) in doc.grid.detectors.enumerated() {
            for (i, interval) in doc.grid.intervals.enumerated() {
                let color = palette[i % palette.count]
                var pts: [String] = []
                for t in 0..<nt {
                    let p = doc.points[(d * ni + i) * nt + t]
                    guard let l = p.latencyP95 else { continue }
                    pts.append("\(f(x(l))),\(f(y(p.falsePerDay)))")
                    s += "<circle cx=\"\(f(x(l)))\" cy=\"\(f(y(p.falsePerDay)))\" r=\"2.5\" fill=\"\(color)\"><title>\(det.rawValue) h=\(TuningFormat.seconds(interval)) phi=\(TuningFormat.trimmed(p.threshold, digits: 2)): p95 \(TuningFormat.seconds(l)), \(TuningFormat.trimmed(p.falsePerDay, digits: 3)) false/day</title></circle>"
                }
                if pts.count > 1 {
                    s += "<polyline points=\"\(pts.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"\(dash(det))/>"
                }
                s += "<line x1=\"\(f(c.right + 10))\" y1=\"\(f(legendY + 4))\" x2=\"\(f(c.right + 34))\" y2=\"\(f(legendY + 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash(det))/>"
                s += "<text x=\"\(f(c.right + 38))\" y=\"\(f(legendY + 8))\" font-size=\"11\">\(det.rawValue) h=\(TuningFormat.seconds(interval))</text>"
                legendY += 15
            }
            // Pareto frontier as a step line.
            let frontier = doc.points.filter { $0.detector == det && $0.pareto }.sorted { ($0.latencyP95 ?? 0) < ($1.latencyP95 ?? 0) }
            if frontier.count > 1 {
                var path = ""
                for (k, p) in frontier.enumerated() {
                    let px = x(p.latencyP95 ?? 0), py = y(p.falsePerDay)
                    if k == 0 { path += "M\(f(px)),\(f(py))" } else { path += " H\(f(px)) V\(f(py))" }
                }
                s += "<path d=\"\(path)\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.2\"\(dash(det))/>"
            }
        }
        s += "<line x1=\"\(f(c.right + 10))\" y1=\"\(f(legendY + 4))\" x2=\"\(f(c.right + 34))\" y2=\"\(f(legendY + 4))\" stroke=\"#000\"/><text x=\"\(f(c.right + 38))\" y=\"\(f(legendY + 8))\" font-size=\"11\">Pareto frontier</text>"
        for (k, r) in doc.recommendations.enumerated() {
            guard let l = r.point.latencyP95 else { continue }
            s += "<circle cx=\"\(f(x(l)))\" cy=\"\(f(y(r.point.falsePerDay)))\" r=\"8\" fill=\"none\" stroke=\"#c90\" stroke-width=\"3\"/>"
            // Stack the labels so several detectors' recommendations stay readable.
            s += "<text x=\"\(f(x(l) + 10))\" y=\"\(f(y(r.point.falsePerDay) - 10 - 14 * Double(k)))\" font-size=\"12\" font-weight=\"bold\" fill=\"#a70\">recommended (\(r.point.detector.rawValue))</text>"
        }
        return s + "</svg>\n"
    }

    static func latencyChart(_ doc: TuningReportDocument, detector: DetectorChoice) -> String {
        guard let d = doc.grid.detectors.firstIndex(of: detector) else { return "" }
        let c = Canvas(width: 900, height: 360)
        let ni = doc.grid.intervals.count, nt = doc.grid.thresholds.count
        let th = doc.grid.thresholds
        let tMin = th.min() ?? 0, tMax = max(th.max() ?? 1, tMin + 1)
        let lats = doc.points.filter { $0.detector == detector }.compactMap(\.latencyP95)
        let yMax = max(lats.max() ?? 1, doc.hardTimeout + (doc.grid.intervals.max() ?? 1)) * 1.08
        func x(_ v: Double) -> Double { c.left + (v - tMin) / (tMax - tMin) * c.plotWidth }
        func y(_ v: Double) -> Double { c.bottom - v / yMax * c.plotHeight }
        var s = c.open()
        for t in niceTicks(max: yMax) {
            s += "<line x1=\"\(f(c.left))\" y1=\"\(f(y(t)))\" x2=\"\(f(c.right))\" y2=\"\(f(y(t)))\" stroke=\"#eee\"/><text x=\"\(f(c.left - 6))\" y=\"\(f(y(t) + 4))\" text-anchor=\"end\" font-size=\"11\">\(TuningFormat.trimmed(t, digits: 1))</text>"
        }
        for t in th where nt <= 30 || Int(t) % 4 == 0 {
            s += "<text x=\"\(f(x(t)))\" y=\"\(f(c.bottom + 16))\" text-anchor=\"middle\" font-size=\"11\">\(TuningFormat.trimmed(t, digits: 1))</text>"
        }
        s += c.frame(xLabel: "phi_threshold", yLabel: "detection latency (s): p95 solid, p50 dotted")
        s += "<line x1=\"\(f(c.left))\" y1=\"\(f(y(doc.hardTimeout)))\" x2=\"\(f(c.right))\" y2=\"\(f(y(doc.hardTimeout)))\" stroke=\"#d00\" stroke-dasharray=\"5 4\"/>"
        s += "<text x=\"\(f(c.left + 4))\" y=\"\(f(y(doc.hardTimeout) - 4))\" font-size=\"11\" fill=\"#d00\">hard_timeout \(TuningFormat.seconds(doc.hardTimeout))</text>"
        var legendY = c.top + 4
        for (i, interval) in doc.grid.intervals.enumerated() {
            let color = palette[i % palette.count]
            var p95: [String] = [], p50: [String] = []
            for t in 0..<nt {
                let p = doc.points[(d * ni + i) * nt + t]
                if let v = p.latencyP95 { p95.append("\(f(x(p.threshold))),\(f(y(v)))") }
                if let v = p.latencyP50 { p50.append("\(f(x(p.threshold))),\(f(y(v)))") }
            }
            if p95.count > 1 { s += "<polyline points=\"\(p95.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"/>" }
            if p50.count > 1 { s += "<polyline points=\"\(p50.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>" }
            s += "<line x1=\"\(f(c.right + 10))\" y1=\"\(f(legendY + 4))\" x2=\"\(f(c.right + 34))\" y2=\"\(f(legendY + 4))\" stroke=\"\(color)\" stroke-width=\"2\"/><text x=\"\(f(c.right + 38))\" y=\"\(f(legendY + 8))\" font-size=\"11\">h=\(TuningFormat.seconds(interval))</text>"
            legendY += 15
        }
        return s + "</svg>\n"
    }

    static func phiChart(_ ex: PhiTraceExample) -> String {
        let title = ex.kind == .death
            ? "Detection after the death — \(ex.detector.rawValue), h=\(TuningFormat.seconds(ex.interval)), phi_threshold \(TuningFormat.trimmed(ex.threshold, digits: 2)), seed \(ex.seed)"
            : "False detach — \(ex.detector.rawValue), h=\(TuningFormat.seconds(ex.interval)), phi_threshold \(TuningFormat.trimmed(ex.threshold, digits: 2)), seed \(ex.seed), at t=\(TuningFormat.trimmed(ex.centre, digits: 1)) s"
        var s = "<h3 style=\"font-size:1em\">\(esc(title))</h3>\n"
        guard let first = ex.samples.first, let last = ex.samples.last, last.time > first.time else {
            return s + "<p class=\"note\">(no samples)</p>\n"
        }
        let c = Canvas(width: 900, height: 260)
        let t0 = first.time, t1 = last.time
        let cap = max(ex.threshold * 1.6, 1)
        let phis = ex.samples.map { min(max($0.phi, -cap / 4), cap) }
        let yMin = min(0, phis.min() ?? 0), yMax = max(cap * 0.7, phis.max() ?? 1)
        func x(_ t: Double) -> Double { c.left + (t - t0) / (t1 - t0) * c.plotWidth }
        func y(_ v: Double) -> Double { c.bottom - (min(max(v, yMin), yMax) - yMin) / (yMax - yMin) * c.plotHeight }
        s += c.open()
        // Stalls shaded.
        var stallFrom: Double?
        for p in ex.samples {
            if p.kind == .stallStart { stallFrom = p.time }
            if p.kind == .stallEnd {
                let a = stallFrom ?? t0
                s += "<rect x=\"\(f(x(a)))\" y=\"\(f(c.top))\" width=\"\(f(max(1, x(p.time) - x(a))))\" height=\"\(f(c.plotHeight))\" fill=\"#fde0c0\"><title>receiver stall</title></rect>"
                stallFrom = nil
            }
        }
        if let a = stallFrom {
            s += "<rect x=\"\(f(x(a)))\" y=\"\(f(c.top))\" width=\"\(f(max(1, c.right - x(a))))\" height=\"\(f(c.plotHeight))\" fill=\"#fde0c0\"/>"
        }
        for t in niceTicks(max: yMax) {
            s += "<text x=\"\(f(c.left - 6))\" y=\"\(f(y(t) + 4))\" text-anchor=\"end\" font-size=\"11\">\(TuningFormat.trimmed(t, digits: 1))</text>"
        }
        // Ticks at round times relative to the centre event.
        let step = niceTicks(max: t1 - t0).dropFirst().first ?? 1
        var rel = ((t0 - ex.centre) / step).rounded(.up) * step
        var guardCount = 0
        while rel <= t1 - ex.centre && guardCount < 100 {
            s += "<text x=\"\(f(x(ex.centre + rel)))\" y=\"\(f(c.bottom + 16))\" text-anchor=\"middle\" font-size=\"11\">\(TuningFormat.trimmed(rel, digits: 1))</text>"
            rel += step
            guardCount += 1
        }
        s += c.frame(xLabel: "seconds relative to the \(ex.kind == .death ? "death" : "false detach")", yLabel: "phi")
        s += "<line x1=\"\(f(c.left))\" y1=\"\(f(y(ex.threshold)))\" x2=\"\(f(c.right))\" y2=\"\(f(y(ex.threshold)))\" stroke=\"#d00\" stroke-dasharray=\"5 4\"/>"
        s += "<text x=\"\(f(c.right - 4))\" y=\"\(f(y(ex.threshold) - 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#d00\">threshold \(TuningFormat.trimmed(ex.threshold, digits: 2))</text>"
        let line = ex.samples.filter { $0.kind == .tick || $0.kind == .heartbeat || $0.kind == .send }
            .map { "\(f(x($0.time))),\(f(y($0.phi)))" }
        if line.count > 1 { s += "<polyline points=\"\(line.joined(separator: " "))\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.3\"/>" }
        for p in ex.samples {
            switch p.kind {
            case .heartbeat: s += "<line x1=\"\(f(x(p.time)))\" y1=\"\(f(c.bottom))\" x2=\"\(f(x(p.time)))\" y2=\"\(f(c.bottom - 7))\" stroke=\"#2ca02c\"/>"
            case .send: s += "<line x1=\"\(f(x(p.time)))\" y1=\"\(f(c.bottom))\" x2=\"\(f(x(p.time)))\" y2=\"\(f(c.bottom - 4))\" stroke=\"#999\"/>"
            case .detach: s += "<circle cx=\"\(f(x(p.time)))\" cy=\"\(f(y(p.phi)))\" r=\"5\" fill=\"#d00\"><title>detach at \(TuningFormat.trimmed(p.time, digits: 3)) s, phi \(TuningFormat.trimmed(p.phi, digits: 2))</title></circle>"
            case .recover: s += "<circle cx=\"\(f(x(p.time)))\" cy=\"\(f(y(0)))\" r=\"5\" fill=\"#2ca02c\"><title>recovered</title></circle>"
            case .death: s += "<line x1=\"\(f(x(p.time)))\" y1=\"\(f(c.top))\" x2=\"\(f(x(p.time)))\" y2=\"\(f(c.bottom))\" stroke=\"#000\" stroke-width=\"2\"/><text x=\"\(f(x(p.time) + 4))\" y=\"\(f(c.top + 12))\" font-size=\"11\">death</text>"
            default: break
            }
        }
        s += "</svg>\n<p class=\"note\">Green ticks: heartbeat arrivals; grey ticks: successful sends (samples); orange: receiver stalls; red dot: detach; green dot: recovery.</p>\n"
        return s
    }

    // MARK: - Helpers

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func f(_ v: Double) -> String { v.isFinite ? String(format: "%.1f", v) : "0" }
    static func sec(_ v: Double?) -> String { v.map { TuningFormat.seconds($0) } ?? "never" }
    static func pct(_ v: Double) -> String { TuningFormat.trimmed(v * 100, digits: 1) + "%" }

    /// About six round tick values from 0 to `max`.
    static func niceTicks(max m: Double) -> [Double] {
        guard m > 0, m.isFinite else { return [0] }
        let raw = m / 6
        let mag = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
        return stride(from: 0, through: m, by: step).map { $0 }
    }
}

/// Plot-area geometry of one SVG chart (the right margin holds the legend).
private struct Canvas {
    let width: Double, height: Double
    let left = 60.0, top = 14.0
    var right: Double { width - 170 }
    var bottom: Double { height - 40 }
    var plotWidth: Double { right - left }
    var plotHeight: Double { bottom - top }

    func open() -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\">"
    }

    func frame(xLabel: String, yLabel: String) -> String {
        let f = TuningHTMLReport.f
        return "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#888\"/>"
            + "<text x=\"\(f((left + right) / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\" font-size=\"12\">\(TuningHTMLReport.esc(xLabel))</text>"
            + "<text x=\"14\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 14 \(f((top + bottom) / 2)))\">\(TuningHTMLReport.esc(yLabel))</text>"
    }
}
