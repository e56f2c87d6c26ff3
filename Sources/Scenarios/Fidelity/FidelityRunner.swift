import Foundation

/// The differential fidelity suite: every scenario on the agent under test and on real Fluentd with the same seed,
/// receivers and fault schedule, decisions aligned and judged (`fwdlab fidelity`). See docs/fidelity.md.
public struct FidelityRunner: Sendable {
    /// The agent under test (in-process or process).
    public var agent: RunOptions.AgentMode
    /// Real Fluentd.
    public var fluentd: FluentdInstallation
    /// Options shared by both runs (seed, overrides, out directory); the agent mode is set per run.
    public var options: RunOptions
    /// Where progress lines go.
    public var output: @Sendable (String) -> Void

    public init(agent: RunOptions.AgentMode, fluentd: FluentdInstallation, options: RunOptions,
                output: @escaping @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }) {
        self.agent = agent
        self.fluentd = fluentd
        self.options = options
        self.output = output
    }

    /// Runs every scenario under `paths`, one scenario at a time (its two runs side by side), printing each
    /// scenario's decisions as it finishes.
    public func run(paths: [String]) async -> FidelityReport {
        var report = FidelityReport(agent: agent.rawValue, against: "fluentd \(fluentd.version)", fluentdOrigin: fluentd.origin)
        for file in paths.flatMap(SuiteRunner.scenarioFiles) {
            let s = await runOne(file)
            for line in s.lines { output(line) }
            report.scenarios.append(s)
        }
        output(report.closingLine)
        return report
    }

    func runOne(_ file: String) async -> ScenarioFidelity {
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let scenario: Scenario
        do { scenario = try ScenarioLoader.load(path: file) } catch {
            return ScenarioFidelity(scenario: name, path: file, status: .error, reason: "\(error)")
        }
        var out = ScenarioFidelity(scenario: scenario.name, path: file, status: .agree)
        var both = options
        // Both sides on the real clock: Fluentd cannot be scaled, so the agent is not either.
        both.timeScale = 1
        both.concurrency = 1
        var fluentdOptions = both
        fluentdOptions.agentMode = .fluentd(fluentd)
        // Each side's reports in a folder of its own (runs/<agent>/<scenario>-<time>/).
        fluentdOptions.outDirectory = both.outDirectory.map { ($0 as NSString).appendingPathComponent(fluentdOptions.agentMode.rawValue) }
        if let why = ScenarioRunner.skipReason(scenario, options: fluentdOptions) {
            out.status = .skipped
            out.reason = "cannot run on Fluentd: \(why)"
            return out
        }
        var agentOptions = both
        agentOptions.agentMode = agent
        agentOptions.outDirectory = both.outDirectory.map { ($0 as NSString).appendingPathComponent(agent.rawValue) }
        // Both sides at once: each has its own receivers and ports, and the two cores' scheduling jitter (ms) is far
        // below the smallest tolerance (a third of a second).
        async let mineRun = ScenarioRunner(options: agentOptions).run(scenario)
        async let theirsRun = ScenarioRunner(options: fluentdOptions).run(scenario)
        var (mine, theirs) = await (mineRun, theirsRun)
        // Fluentd's buffer threads start at a phase of their own (a thread race, docs/fidelity.md): when its log shows
        // phases other than the agent's default, the agent runs again with Fluentd's, as it takes Fluentd's seed.
        let starts = theirs.record.flatMap { FluentdThreadStarts(log: $0.agentLog) }
        out.threadStarts = starts?.summary
        if let starts, !starts.isAgentDefault, Self.threadStartsFree(scenario, agentOptions) {
            agentOptions.overrides.merge(starts.overrides) { _, new in new }
            mine = await ScenarioRunner(options: agentOptions).run(scenario)
        }
        out.agentVerdict = mine.verdict.rawValue
        out.fluentdVerdict = theirs.verdict.rawValue
        out.agentReport = mine.reportDirectory
        out.fluentdReport = theirs.reportDirectory
        guard let a = mine.record, let f = theirs.record, a.runErrors.isEmpty, f.runErrors.isEmpty else {
            out.status = .error
            out.reason = [mine.reason.map { "agent: \($0)" }, theirs.reason.map { "fluentd: \($0)" }]
                .compactMap { $0 }.joined(separator: "; ")
            return out
        }
        out.tolerances = DecisionAlignment.Tolerances(a)
        out.decisions = DecisionAlignment.align(agent: a.agentEvents, fluentd: f.agentEvents, tolerances: out.tolerances!,
                                                known: scenario.fidelity, records: (a, f))
        out.agentFigures = RunFigures(a)
        out.fluentdFigures = RunFigures(f)
        out.timelines = SideBySide(agent: a, fluentd: f)
        out.decisions += Self.figureDecisions(out.agentFigures!, out.fluentdFigures!, known: scenario.fidelity)
        if out.decisions.contains(where: { $0.status == .diverge }) { out.status = .diverge }
        else if out.decisions.contains(where: { $0.status == .known }) { out.status = .known }
        return out
    }

    /// Whether neither the scenario nor the options pin the agent's thread start phases (then Fluentd's are used).
    static func threadStartsFree(_ scenario: Scenario, _ options: RunOptions) -> Bool {
        let names = ["fwdlab_flush_thread_start", "fwdlab_enqueue_thread_start"]
        return !names.contains { options.overrides[$0] != nil || scenario.agent.overrides[$0] != nil || scenario.agent.configText.contains($0) }
    }

    /// What the ledgers decide beside the event streams: whether events were lost, and where a resent chunk went.
    static func figureDecisions(_ a: RunFigures, _ f: RunFigures, known: FidelitySpec) -> [FidelityDecision] {
        var out: [FidelityDecision] = []
        func add(_ key: String, _ difference: Double, _ detail: String) {
            var d = FidelityDecision(key: key, node: "", event: String(key.split(separator: " ").last ?? ""), cause: nil,
                                     agentTime: nil, fluentdTime: nil, tolerance: 0, status: .diverge)
            d.difference = difference
            d.detail = detail
            if let reason = known.knownReason(for: key) {
                d.status = .known
                d.knownReason = reason
            }
            out.append(d)
        }
        // One side losing what the other delivers.
        if (a.lost == 0) != (f.lost == 0) { add("ledgers loss", Double(a.lost - f.lost), "agent lost \(a.lost) of \(a.accepted), fluentd \(f.lost) of \(f.accepted)") }
        // Where resent chunks go: the share resent to the node of the previous attempt differs by more than 25
        // percentage points (docs/fidelity.md).
        if a.resends > 0, f.resends > 0 {
            let sa = Double(a.resendsToSameNode) / Double(a.resends), sf = Double(f.resendsToSameNode) / Double(f.resends)
            if abs(sa - sf) > 0.25 {
                add("ledgers resend_destination", sa - sf,
                    "resent to the same node: agent \(a.resendsToSameNode) of \(a.resends), fluentd \(f.resendsToSameNode) of \(f.resends)")
            }
        }
        return out
    }
}
