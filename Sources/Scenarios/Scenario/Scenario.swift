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
    /// Only 1 is supported: a faithful time scale needs an agent clock option (see docs/scenarios.md).
    public var timeScale: Double = 1
    public var status: ScenarioStatus = .ready
    public var requires: [ScenarioRequirement] = []
    public var receivers: [ReceiverSpec] = []
    public var dns: [ScenarioDNSRecord] = []
    public var agent: AgentSpec
    public var load = LoadSpec()
    public var timeline: [TimelineStep] = []
    public var expectations: [ExpectationSpec] = []
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
}
