import Foundation

/// Checks the simulated receiver faults against the real thing (`fwdlab fault-check`): each scenario runs twice at
/// once with the same agent, seed and schedule, once against simulated receivers and once against real `fwdlab
/// receiver` processes under SIGSTOP/SIGCONT and SIGKILL, and the two runs must agree: the same loss, the same
/// duplicated chunks (chunk arrivals beyond the first; how many events each holds follows the load's millisecond
/// jitter, so duplicated events are shown, not compared), and every agent decision within its tolerance (one
/// heartbeat tick for detector decisions). Rules: docs/faults.md, "Checked against real processes".
public struct ReceiverFaultCheck: Sendable {
    /// One scenario's comparison.
    public struct Result: Sendable, Codable, Equatable {
        public enum Status: String, Sendable, Codable { case agree, diverge, error }
        public var scenario: String
        public var status: Status
        public var reason: String?
        public var simulated: RunFigures?
        public var process: RunFigures?
        /// Decisions aligned simulated (`agentTime`) against process (`fluentdTime`).
        public var decisions: [FidelityDecision] = []
        public var simulatedReport: String?
        public var processReport: String?

        public init(scenario: String, status: Status, reason: String? = nil) {
            self.scenario = scenario
            self.status = status
            self.reason = reason
        }

        /// `AGREE name: loss 0/0, duplicates 0/0, 4 decisions within one tick`, then each divergence.
        public var lines: [String] {
            var head = "\(status.rawValue.uppercased()) \(scenario)"
            if let reason { head += ": \(reason)" }
            if let s = simulated, let p = process {
                let agreeing = decisions.filter { $0.status == .agree }.count
                head += "\(reason == nil ? ":" : ";") loss \(s.lost)/\(p.lost), duplicated chunks \(s.resends)/\(p.resends)"
                    + " (events \(s.duplicates)/\(p.duplicates)) simulated/process; "
                    + (decisions.isEmpty ? "no agent decisions" : "\(agreeing) of \(decisions.count) decisions within tolerance")
            }
            return [head] + decisions.filter { $0.status != .agree }.map { "  " + $0.summary(sides: ("simulated", "process")) }
        }
    }

    public var options: RunOptions
    /// `fwdlab` for the receiver processes.
    public var receiverExecutable: String?

    public init(options: RunOptions, receiverExecutable: String? = nil) {
        self.options = options
        self.receiverExecutable = receiverExecutable
    }

    public func run(_ scenario: Scenario) async -> Result {
        var out = Result(scenario: scenario.name, status: .agree)
        if let why = ProcessReceivers.unsupported(scenario) {
            out.status = .error
            out.reason = "cannot run on receiver processes: \(why)"
            return out
        }
        var sim = options
        sim.receiverMode = .simulated
        sim.concurrency = 1
        var proc = sim
        proc.receiverMode = .process
        proc.receiverExecutablePath = receiverExecutable
        sim.outDirectory = options.outDirectory.map { ($0 as NSString).appendingPathComponent("simulated") }
        proc.outDirectory = options.outDirectory.map { ($0 as NSString).appendingPathComponent("process") }
        async let simRun = ScenarioRunner(options: sim).run(scenario)
        async let procRun = ScenarioRunner(options: proc).run(scenario)
        let (s, p) = await (simRun, procRun)
        out.simulatedReport = s.reportDirectory
        out.processReport = p.reportDirectory
        guard let a = s.record, let b = p.record, a.runErrors.isEmpty, b.runErrors.isEmpty else {
            out.status = .error
            out.reason = [s.reason.map { "simulated: \($0)" }, p.reason.map { "process: \($0)" }].compactMap { $0 }.joined(separator: "; ")
            return out
        }
        out.decisions = DecisionAlignment.align(agent: a.agentEvents, fluentd: b.agentEvents, tolerances: .init(a), known: FidelitySpec())
        let fs = RunFigures(a), fp = RunFigures(b)
        out.simulated = fs
        out.process = fp
        var problems: [String] = []
        if fs.lost != fp.lost { problems.append("loss differs") }
        if fs.resends != fp.resends { problems.append("duplicated chunks differ") }
        if out.decisions.contains(where: { $0.status != .agree }) { problems.append("decisions differ") }
        if !problems.isEmpty {
            out.status = .diverge
            out.reason = problems.joined(separator: ", ")
        }
        return out
    }
}
