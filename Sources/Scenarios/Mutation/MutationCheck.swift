import Agent
import Foundation

/// The mutation check (`fwdlab run --mutants`, docs/scenarios.md, "Mutation check"): every scenario runs once as it
/// is (the reference, which must pass) and once per mutant with the agent broken that way (`AgentMutant`). A mutant
/// is killed when the scenario fails with it; a scenario that kills none cannot tell a broken agent from a right one,
/// and a mutant that no scenario kills is a breakage the library would let through.
public struct MutationCheck: Sendable {
    /// What one mutant did to one scenario.
    public enum Outcome: String, Sendable, Codable {
        /// The scenario failed with the mutant: its expectations noticed.
        case killed
        /// The scenario still passed.
        case survived
        /// The mutant changes nothing in this scenario's configuration (e.g. `acks_ignored` without acks): not run.
        case equivalent
        /// The reference run did not pass, so the mutant runs say nothing; not run.
        case notJudged = "not_judged"
    }

    /// One scenario's row of the matrix.
    public struct Row: Sendable, Codable {
        public var scenario: String
        public var path: String
        /// The unmutated run's verdict (`passed`, `failed`, `skipped`) and why, when it did not pass.
        public var reference: String
        public var referenceReason: String?
        public var outcomes: [String: Outcome] = [:]
        /// The failing expectation (or run error) of each killed mutant: what noticed it.
        public var killedBy: [String: String] = [:]

        public var kills: Int { outcomes.values.filter { $0 == .killed }.count }
    }

    /// The whole matrix and its two rules.
    public struct Report: Sendable, Codable {
        public var mutants: [AgentMutant]
        public var rows: [Row]

        /// Scenarios whose reference passed but that killed no mutant.
        public var scenariosKillingNone: [String] { rows.filter { $0.reference == "passed" && $0.kills == 0 }.map(\.scenario) }
        /// Mutants no scenario killed.
        public var survivingMutants: [AgentMutant] {
            mutants.filter { m in !rows.contains { $0.outcomes[m.rawValue] == .killed } }
        }
        /// Scenarios whose reference did not pass (the check cannot judge them).
        public var unjudged: [String] { rows.filter { $0.reference != "passed" }.map(\.scenario) }
        public var holds: Bool { scenariosKillingNone.isEmpty && survivingMutants.isEmpty && unjudged.isEmpty }

        /// The matrix as a Markdown table: one row per scenario, one column per mutant (numbered, legend below).
        public var markdown: String {
            var lines = ["| scenario | " + mutants.indices.map { "m\($0 + 1)" }.joined(separator: " | ") + " | kills |",
                         "|---|" + String(repeating: "---|", count: mutants.count) + "---|"]
            for r in rows {
                let cells = mutants.map { m -> String in
                    switch r.outcomes[m.rawValue] {
                    case .killed: "K"
                    case .survived: "·"
                    case .equivalent: "="
                    case .notJudged, nil: "?"
                    }
                }
                lines.append("| \(r.scenario) | " + cells.joined(separator: " | ") + " | \(r.reference == "passed" ? String(r.kills) : r.reference) |")
            }
            let killers = mutants.map { m in rows.filter { $0.outcomes[m.rawValue] == .killed }.count }
            lines.append("| **killed by** | " + killers.map(String.init).joined(separator: " | ") + " | |")
            lines.append("")
            lines.append("K killed, · survived, = equivalent (changes nothing in that scenario), ? not judged.")
            lines.append("")
            for (i, m) in mutants.enumerated() { lines.append("- m\(i + 1) `\(m.rawValue)`: \(m.summary)") }
            return lines.joined(separator: "\n")
        }
    }

    public var options: RunOptions
    public var mutants: [AgentMutant]

    public init(options: RunOptions, mutants: [AgentMutant] = AgentMutant.allCases) {
        self.options = options
        self.mutants = mutants
    }

    /// Why the check cannot run with these options, nil when it can.
    public static func unsupported(_ options: RunOptions) -> String? {
        options.agentMode == .inProcess ? nil : "--mutants breaks the Swift agent in this process: use --agent in-process"
    }

    /// Runs every file's reference and mutants, `options.concurrency` runs at once; `output` gets one line per
    /// finished scenario.
    public func run(files: [String], output: @escaping @Sendable (String) -> Void) async -> Report {
        var rows: [Row] = []
        for file in files {
            let row = await runOne(file)
            output(Self.line(row, mutants))
            rows.append(row)
        }
        return Report(mutants: mutants, rows: rows)
    }

    static func line(_ r: Row, _ mutants: [AgentMutant]) -> String {
        guard r.reference == "passed" else { return "NOT JUDGED \(r.scenario): reference \(r.reference)\(r.referenceReason.map { ": \($0)" } ?? "")" }
        let killed = mutants.filter { r.outcomes[$0.rawValue] == .killed }.map(\.rawValue)
        let survived = mutants.filter { r.outcomes[$0.rawValue] == .survived }.map(\.rawValue)
        return "\(killed.isEmpty ? "KILLS NONE" : "KILLS \(killed.count)") \(r.scenario): killed [\(killed.joined(separator: ", "))]"
            + (survived.isEmpty ? "" : "; survived [\(survived.joined(separator: ", "))]")
    }

    private func runOne(_ file: String) async -> Row {
        let scenario: Scenario
        do { scenario = try ScenarioLoader.load(path: file) } catch {
            return Row(scenario: file, path: file, reference: "failed", referenceReason: "\(error)")
        }
        var row = Row(scenario: scenario.name, path: file, reference: "failed")
        var base = options
        base.mutant = nil
        let reference = await ScenarioRunner(options: base).run(scenario)
        row.reference = reference.verdict.rawValue
        guard reference.verdict == .passed else {
            row.referenceReason = reference.reason ?? reference.line
            for m in mutants { row.outcomes[m.rawValue] = .notJudged }
            return row
        }
        let configuration: AgentConfiguration?
        do {
            configuration = try AgentConfiguration.parse(text: try ConfigTemplate.render(scenario.agent, context: .standIn(for: scenario),
                                                                                     extraOverrides: options.overrides),
                                                         file: scenario.agent.configSource)
        } catch {
            configuration = nil
        }
        var pending: [AgentMutant] = []
        for m in mutants {
            if let configuration, !m.changes(configuration) { row.outcomes[m.rawValue] = .equivalent } else { pending.append(m) }
        }
        let width = max(1, options.concurrency)
        await withTaskGroup(of: (AgentMutant, ScenarioResult).self) { group in
            var next = 0
            func launch() {
                guard next < pending.count else { return }
                let m = pending[next]
                next += 1
                var o = options
                o.mutant = m
                // Mutant runs write no report: the matrix is the result.
                o.outDirectory = nil
                group.addTask { (m, await ScenarioRunner(options: o).run(scenario)) }
            }
            for _ in 0 ..< width { launch() }
            while let (m, r) = await group.next() {
                if r.verdict == .failed {
                    row.outcomes[m.rawValue] = .killed
                    let noticed = r.expectations.first { $0.status == .fail }.map { "\($0.statement): \($0.measured)" }
                    row.killedBy[m.rawValue] = noticed ?? r.reason ?? "failed"
                } else {
                    row.outcomes[m.rawValue] = .survived
                }
                launch()
            }
        }
        return row
    }
}
