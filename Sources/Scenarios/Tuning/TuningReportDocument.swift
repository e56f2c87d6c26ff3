import Foundation

/// Everything a sweep report contains; written as tune.json and rendered as CSV, terminal table and HTML.
public struct TuningReportDocument: Sendable, Codable {
    /// ISO-8601 time the report was made.
    public var generatedAt: String
    /// Network model name and its one-line descriptions.
    public var modelName: String
    public var modelSummary: [String]
    /// Trace file replayed, if any.
    public var traceSource: String?
    /// hard_timeout, seconds (the wall detection latency cannot exceed by more than one tick).
    public var hardTimeout: Double
    /// Traffic, bytes per second (for bytes at risk).
    public var trafficBytesPerSecond: Double
    public var grid: TuningGrid
    public var objective: TuningObjective
    /// Totals of the sweep.
    public var runs: Int
    public var simulatedHours: Double
    public var wallSeconds: Double
    public var simulatedHoursPerSecond: Double
    public var events: Int
    public var points: [TuningPointSummary]
    public var recommendations: [TuningRecommendation]
    public var phiTraces: [PhiTraceExample]
    /// Caveats worth reading next to the numbers.
    public var notes: [String]

    /// Assembles a report from a finished sweep.
    public init(sweep: TuningSweep, objective: TuningObjective, recommendations: [TuningRecommendation],
                phiTraces: [PhiTraceExample], generatedAt: Date = Date()) {
        let f = ISO8601DateFormatter()
        self.generatedAt = f.string(from: generatedAt)
        modelName = sweep.model.name
        modelSummary = sweep.model.summaryLines
        traceSource = sweep.traceSource
        hardTimeout = sweep.model.hardTimeout
        trafficBytesPerSecond = sweep.model.traffic.bytesPerSecond
        grid = sweep.grid
        self.objective = objective.effective
        runs = sweep.runs
        simulatedHours = sweep.simulatedSeconds / 3600
        wallSeconds = sweep.wallSeconds
        simulatedHoursPerSecond = sweep.simulatedHoursPerSecond
        events = sweep.events
        points = sweep.points
        self.recommendations = recommendations
        self.phiTraces = phiTraces
        var notes: [String] = []
        if sweep.model.heartbeatType == .none {
            notes.append("heartbeat_type none: nodes are never detached (docs/forward-protocol.md, 'Heartbeat type none'); detection relies on send errors only.")
        }
        if sweep.model.traffic.bytesPerSecond > 0 && sweep.grid.detectors.contains(.fluentd) {
            notes.append("Fluentd counts every successful send as a heartbeat sample (docs/forward-protocol.md, 'Heartbeat arrivals'; quirk 2 in docs/quirks.md): with traffic, detection is faster than the idle 35.84 + h s, and with h > 1 phi can stay negative so only hard_timeout detaches.")
        }
        let phiOff = sweep.points.filter { $0.detector == .fluentd && $0.detectedByPhiFraction == 0 && $0.undetected == 0 && $0.latencyP50 != nil }
        if !phiOff.isEmpty {
            let hs = Set(phiOff.map(\.interval)).sorted().map { TuningFormat.seconds($0) }.joined(separator: ", ")
            notes.append("Fluentd detector: phi never fired after a death for some thresholds at h = \(hs); those points sit on the hard_timeout wall.")
        }
        if sweep.traceSource != nil {
            notes.append("Trace replay: probe delays and losses come from the trace (time-aligned slots); model loss and stalls are ignored.")
        }
        notes.append("Detection latency is measured from the receiver's death to the detach; runs where the node was already detached at the death are excluded from latency and counted separately.")
        self.notes = notes
    }

    /// The report of a finished sweep: recommendations, the phi examples (re-simulated) and the figures. `fwdlab tune`
    /// and `fwdlab report merge` both build it here, so a merged sweep's report is the unsharded one's.
    public static func build(engine: TuningEngine, sweep: TuningSweep, objective: TuningObjective) -> TuningReportDocument {
        let recommendations = TuningRecommendation.recommend(sweep, objective: objective)
        let examples = PhiTraceExample.select(engine: engine, sweep: sweep, recommendations: recommendations)
        return TuningReportDocument(sweep: sweep, objective: objective, recommendations: recommendations, phiTraces: examples)
    }

    /// Writes tune.json, tune.csv and report.html into `directory` (created if needed); returns the paths.
    public func write(to directory: String) throws(TuningError) -> [String] {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TuningError(file: directory, "cannot create the output directory: \(error.localizedDescription)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let json: Data
        do { json = try encoder.encode(self) } catch { throw TuningError("cannot encode the report: \(error)") }
        let files: [(String, Data)] = [
            ("tune.json", json),
            ("tune.csv", Data(csv().utf8)),
            ("report.html", Data(TuningHTMLReport.render(self).utf8)),
        ]
        var paths: [String] = []
        for (name, data) in files {
            let path = (directory as NSString).appendingPathComponent(name)
            guard fm.createFile(atPath: path, contents: data) else { throw TuningError(file: path, "cannot write the file") }
            paths.append(path)
        }
        return paths
    }

    /// One row per point; empty cells for undefined values.
    public func csv() -> String {
        let header = ["detector", "heartbeat_interval", "phi_threshold", "seeds", "latency_p50", "latency_p95", "latency_p99",
                      "latency_mean", "latency_max", "detected_by_phi", "undetected", "unavailable_at_death", "healthy_hours",
                      "false_detaches", "false_by_hard_timeout", "false_per_hour", "false_per_day", "false_per_day_upper",
                      "flaps", "flaps_per_hour", "recovery_mean", "recovery_max", "availability", "bytes_at_risk_p95",
                      "bytes_at_risk_mean", "pareto", "recommended"]
        let recommended = Set(recommendations.map(\.pointIndex))
        func n(_ x: Double?) -> String { x.map { $0.isFinite ? TuningFormat.trimmed($0, digits: 6) : "inf" } ?? "" }
        var lines = [header.joined(separator: ",")]
        for (i, p) in points.enumerated() {
            let row = [p.detector.rawValue, n(p.interval), n(p.threshold), "\(p.seeds)", n(p.latencyP50), n(p.latencyP95),
                       n(p.latencyP99), n(p.latencyMean), n(p.latencyMax), n(p.detectedByPhiFraction), "\(p.undetected)",
                       "\(p.unavailableAtDeath)", n(p.healthyHours), "\(p.falseDetaches)", "\(p.falseDetachesByHardTimeout)",
                       n(p.falsePerHour), n(p.falsePerDay), n(p.falsePerDayUpper), "\(p.flaps)", n(p.flapsPerHour),
                       n(p.recoveryMean), n(p.recoveryMax), n(p.availability), n(p.bytesAtRiskP95), n(p.bytesAtRiskMean),
                       p.pareto ? "1" : "0", recommended.contains(i) ? "1" : "0"]
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The terminal summary: one matrix per detector (rows thresholds, columns intervals; cell = p95 latency /
    /// false detaches per day; `*` recommended, `+` Pareto) followed by the recommendations.
    public func terminalTable() -> String {
        var s = ""
        let recommended = Set(recommendations.map(\.pointIndex))
        let ni = grid.intervals.count, nt = grid.thresholds.count
        let cellWidth = 17
        func pad(_ x: String, _ w: Int) -> String { x.count >= w ? x : String(repeating: " ", count: w - x.count) + x }
        for (d, detector) in grid.detectors.enumerated() {
            s += "\n\(detector.rawValue) detector — cell: p95 detection latency / false detaches per day  (* recommended, + Pareto)\n"
            s += pad("phi \\ h", 8) + grid.intervals.map { pad(TuningFormat.seconds($0), cellWidth) }.joined() + "\n"
            for t in 0..<nt {
                var row = pad(TuningFormat.trimmed(grid.thresholds[t], digits: 2), 8)
                for i in 0..<ni {
                    let idx = (d * ni + i) * nt + t
                    let p = points[idx]
                    let lat = p.latencyP95.map { TuningFormat.trimmed($0, digits: 1) + "s" } ?? "never"
                    let mark = recommended.contains(idx) ? "*" : (p.pareto ? "+" : " ")
                    row += pad("\(lat) / \(TuningFormat.trimmed(p.falsePerDay, digits: 2))\(mark)", cellWidth)
                }
                s += row + "\n"
            }
        }
        s += "\nObjective: \(objective.summary)\n"
        for r in recommendations {
            let p = r.point
            s += "Recommended (\(p.detector.rawValue)): heartbeat_interval \(TuningFormat.seconds(p.interval)), phi_threshold \(TuningFormat.trimmed(p.threshold, digits: 2))"
            s += r.feasible ? "\n" : "  [objective NOT met]\n"
            s += "  detection p50 \(TuningFormat.seconds(p.latencyP50 ?? .infinity)), p95 \(TuningFormat.seconds(p.latencyP95 ?? .infinity)) "
            s += "[95% CI \(TuningFormat.seconds(r.latencyInterval[0]))–\(TuningFormat.seconds(r.latencyInterval[1]))], "
            s += "p99 \(TuningFormat.seconds(p.latencyP99 ?? .infinity))\n"
            s += "  false detaches \(TuningFormat.trimmed(p.falsePerDay, digits: 3))/day [95% CI \(TuningFormat.trimmed(r.falsePerDayInterval[0], digits: 3))–\(TuningFormat.trimmed(r.falsePerDayInterval[1], digits: 3))], "
            s += "flaps \(TuningFormat.trimmed(p.flapsPerHour, digits: 3))/h, bytes at risk p95 \(TuningFormat.bytes(p.bytesAtRiskP95 ?? 0))\n"
            s += "  confidence \(Int((r.confidence * 100).rounded()))% (bootstrap over \(p.seeds) seeds); \(r.reason)\n"
        }
        return s
    }
}
