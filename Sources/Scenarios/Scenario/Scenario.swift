import Foundation

/// A replayable failure scenario: receivers, the agent's configuration, load, a timeline of faults and the
/// expectations that decide the verdict. Loaded from YAML by `ScenarioLoader` (schema: docs/scenarios.md).
public struct Scenario: Sendable {
    public var name: String
    public var description: String = ""
    /// The real-world timing this (shrunk) scenario stands for.
    public var represents: String = ""
    /// Seeds the fault random streams, random timeline times and the agent's balancer shuffle.
    public var seed: UInt64 = 1
    /// Real seconds per scenario second: 0.25 runs the scenario 4× faster. Every time in the file (timeline, load,
    /// drain, the agent's parameters, fault delays, expectation windows) stays in scenario seconds (docs/scenarios.md).
    public var timeScale: Double = 1

    /// Accepted time scales: below 0.05 loopback latency and scheduling jitter (ms) stretch to a sizeable part of a
    /// heartbeat interval in scenario time.
    public static let timeScaleRange: ClosedRange<Double> = 0.05 ... 10

    /// Fault kinds that keep their own real-time clock inside the simulator (blackout windows, idle timers, byte-rate
    /// accounting), which the runner cannot stretch; they run only unscaled.
    /// slow_reader's byte budget runs on the engine's real clock while its stalls are stretched by the run: the two
    /// would disagree below scale 1, so it runs unscaled only.
    public static let unscalableFaultKinds: Set<String> = ["slow_reader"]

    /// Why this scenario cannot run at `scale` (nil when it can).
    public func timeScaleProblem(_ scale: Double) -> String? {
        guard scale != 1 else { return nil }
        guard Self.timeScaleRange.contains(scale) else {
            return "time_scale must be within \(Self.timeScaleRange.lowerBound)…\(Self.timeScaleRange.upperBound) (got \(scale))"
        }
        var kinds = receivers.flatMap { $0.faults.map(\.kind) }
        for step in timeline { if case let .applyFault(_, spec) = step.action { kinds.append(spec.kind) } }
        if let bad = kinds.first(where: Self.unscalableFaultKinds.contains) {
            return "time_scale \(scale): the '\(bad)' fault keeps its own real-time clock in the simulator and cannot be scaled; run it at time_scale 1"
        }
        return nil
    }
    public var status: ScenarioStatus = .ready
    public var requires: [ScenarioRequirement] = []
    /// `may_skip:` the skip causes this scenario declares, each with why (kept under `--strict`).
    public var maySkip: [ExpectationResult.SkipCause: String] = [:]
    public var receivers: [ReceiverSpec] = []
    public var dns: [ScenarioDNSRecord] = []
    /// `files:` written into the run's working directory before the agent starts (docs/scenarios.md, "Files").
    public var files: [ScenarioFile] = []
    public var agent: AgentSpec
    public var load = LoadSpec()
    public var timeline: [TimelineStep] = []
    public var expectations: [ExpectationSpec] = []
    /// Another agent build to run first and compare against (`matches_baseline` / `differs_from_baseline`).
    public var baseline: BaselineSpec?
    /// Known divergences from real Fluentd (`fidelity:`), reported by `fwdlab fidelity`.
    public var fidelity = FidelitySpec()
    /// Time allowed after the load ends for buffered events to arrive, seconds.
    public var drain: Double = 5
    /// Capture packets on loopback when root: `auto` (when permitted), `off`.
    public var capture: Bool = true
    /// The file it came from and its text (reports keep a copy for `fwdlab replay`).
    public var sourcePath: String = ""
    public var sourceText: String = ""

    public init(name: String, agent: AgentSpec) {
        self.name = name
        self.agent = agent
    }

    /// Run length without drain: the later of the load end and the last timeline step.
    public var activeDuration: Double {
        max(load.start + load.duration, timeline.map { $0.atUpper ?? $0.at }.max() ?? 0)
    }

    public func receiver(named name: String) -> ReceiverSpec? { receivers.first { $0.name == name } }

    /// Whether a receiver or step applies the `tls` fault (the run then needs its test CA).
    public var usesTLSFaults: Bool {
        receivers.contains { $0.faults.contains { $0.kind == "tls" } }
            || timeline.contains { if case let .applyFault(_, spec) = $0.action { spec.kind == "tls" } else { false } }
    }
}
