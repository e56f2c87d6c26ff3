import Foundation

/// Every scenario on several agents (the Swift agent in-process and as a process, real Fluentd releases): the times
/// of the decisions that matter to a user and the loss, each agent's divergences from a reference release, rendered
/// as the matrix in docs/fidelity.md (`fwdlab fidelity-matrix`).
public struct FidelityMatrix: Sendable, Codable {
    /// What one agent did in one scenario.
    public struct Cell: Sendable, Codable {
        public var agent: String
        public var verdict: String
        public var reason: String?
        /// First detach or disable (node, run seconds).
        public var detach: String?
        public var recover: String?
        /// First event delivered to a standby receiver.
        public var standbyFirstEvent: String?
        public var lost: Int?
        public var duplicates: Int?
        /// Decisions outside tolerance against the reference (nil for the reference itself or a run that failed).
        public var divergences: [String]?
    }

    /// One scenario's row group.
    public struct Row: Sendable, Codable {
        public var scenario: String
        public var cells: [Cell]
    }

    public var reference: String
    public var agents: [String]
    public var rows: [Row] = []
    public var generated: String

    /// Runs every scenario under `paths` on every agent, one scenario at a time.
    public static func run(paths: [String], agents: [RunOptions.AgentMode], reference: Int, options: RunOptions,
                           output: @Sendable (String) -> Void) async -> FidelityMatrix {
        var m = FidelityMatrix(reference: agents[reference].rawValue, agents: agents.map(\.rawValue),
                               generated: ISO8601DateFormatter().string(from: Date()))
        for file in paths.flatMap(SuiteRunner.scenarioFiles) {
            guard let scenario = try? ScenarioLoader.load(path: file) else {
                output("ERROR \(file): does not load")
                continue
            }
            // Every agent at once on its own receivers: the matrix is a survey, and running the five in turn would
            // take five times as long (the decisions measured are tenths of seconds; load jitter is milliseconds).
            let results = await withTaskGroup(of: (Int, ScenarioResult).self) { group -> [ScenarioResult] in
                for (i, mode) in agents.enumerated() {
                    var o = options
                    o.agentMode = mode
                    o.outDirectory = options.outDirectory.map { ($0 as NSString).appendingPathComponent(mode.rawValue) }
                    o.timeScale = 1
                    o.concurrency = 1
                    group.addTask { (i, await ScenarioRunner(options: o).run(scenario)) }
                }
                var out: [(Int, ScenarioResult)] = []
                for await r in group { out.append(r) }
                return out.sorted { $0.0 < $1.0 }.map(\.1)
            }
            for (mode, r) in zip(agents, results) { output("\(mode.rawValue): \(r.line)") }
            let ref = results[reference].record
            var row = Row(scenario: scenario.name, cells: [])
            for (i, r) in results.enumerated() {
                var c = Cell(agent: agents[i].rawValue, verdict: r.verdict.rawValue, reason: r.verdict == .skipped ? r.reason : nil)
                if let rec = r.record, rec.runErrors.isEmpty {
                    let sec = ScenarioFormat.seconds
                    if let d = rec.agentEvents.first(where: \.isDetach) { c.detach = "\(d.node) \(sec(d.time))" }
                    if let d = rec.agentEvents.first(where: { $0.event == .recovered }) { c.recover = "\(d.node) \(sec(d.time))" }
                    let standby = Set(scenario.receivers.filter(\.standby).map(\.name))
                    if let d = rec.deliveries.first(where: { standby.contains($0.receiver) }) { c.standbyFirstEvent = "\(d.receiver) \(sec(d.time))" }
                    let figures = RunFigures(rec)
                    c.lost = figures.lost
                    c.duplicates = figures.duplicates
                    if i != reference, let ref, ref.runErrors.isEmpty {
                        let tol = DecisionAlignment.Tolerances(rec)
                        c.divergences = DecisionAlignment.align(agent: rec.agentEvents, fluentd: ref.agentEvents, tolerances: tol, known: FidelitySpec())
                            .filter { $0.status != .agree }
                            .map { d in d.difference.map { "\(d.key) \(($0 >= 0 ? "+" : "") + sec($0))" } ?? "\(d.key) only \(d.agentTime == nil ? "in the reference" : "here")" }
                    }
                }
                row.cells.append(c)
            }
            m.rows.append(row)
        }
        return m
    }

    /// Per agent: scenarios whose decisions all agree with the reference, that diverge, that did not run.
    public var summaryTable: String {
        var s = "| agent | scenarios run | all decisions within tolerance of \(reference) | diverging | skipped or failed to run |\n|---|---|---|---|---|\n"
        for (i, agent) in agents.enumerated() {
            let cells = rows.map { $0.cells[i] }
            let ran = cells.filter { $0.lost != nil }
            if agent == reference {
                s += "| \(agent) (reference) | \(ran.count) | – | – | \(cells.count - ran.count) |\n"
                continue
            }
            let compared = ran.filter { $0.divergences != nil }
            let agree = compared.filter { $0.divergences!.isEmpty }.count
            s += "| \(agent) | \(ran.count) | \(agree) | \(compared.count - agree) | \(cells.count - ran.count) |\n"
        }
        return s
    }

    /// The markdown section: summary, then one table row per scenario and agent.
    public var markdown: String {
        var s = "Generated by `fwdlab fidelity-matrix` on \(generated); reference \(reference). Times are run seconds.\n\n"
        s += summaryTable + "\n"
        s += "| scenario | agent | verdict | first detach | first recover | first event at standby | lost | duplicates | divergences from \(reference) |\n"
        s += "|---|---|---|---|---|---|---|---|---|\n"
        for row in rows {
            for c in row.cells {
                let div: String
                if let d = c.divergences { div = d.isEmpty ? "none" : "\(d.count): " + d.prefix(4).joined(separator: "; ") + (d.count > 4 ? "; …" : "") }
                else { div = c.agent == reference ? "(reference)" : (c.reason ?? "-") }
                s += "| \(row.scenario) | \(c.agent) | \(c.verdict) | \(c.detach ?? "-") | \(c.recover ?? "-") | \(c.standbyFirstEvent ?? "-") | \(c.lost.map(String.init) ?? "-") | \(c.duplicates.map(String.init) ?? "-") | \(div.replacingOccurrences(of: "|", with: "\\|")) |\n"
            }
        }
        return s
    }

    /// Replaces the section between the matrix markers in `document` (appends it when the markers are missing).
    public func splice(into document: String) -> String {
        let begin = "<!-- fidelity-matrix:begin -->", end = "<!-- fidelity-matrix:end -->"
        let block = "\(begin)\n\(markdown)\(end)"
        if let b = document.range(of: begin), let e = document.range(of: end, range: b.upperBound ..< document.endIndex) {
            return document.replacingCharacters(in: b.lowerBound ..< e.upperBound, with: block)
        }
        return document + "\n## Fidelity matrix\n\n" + block + "\n"
    }
}
