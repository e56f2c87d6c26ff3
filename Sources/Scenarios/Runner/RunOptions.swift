/// How `fwdlab run` runs scenarios.
public struct RunOptions: Sendable {
    /// How the agent runs: in this process (default) or as a `fwdlab agent -c FILE` child process.
    public enum AgentMode: String, Sendable, CaseIterable { case inProcess = "in-process", process }

    /// Overrides every scenario's seed.
    public var seed: UInt64?
    /// Overrides every scenario's `time_scale` (real seconds per scenario second).
    public var timeScale: Double?
    public var agentMode: AgentMode = .inProcess
    /// Reports go to `<outDirectory>/<scenario>-<time>/`; nil writes none.
    public var outDirectory: String? = "reports"
    /// Agent parameter overrides (`--set key=value`), on top of the scenario's `agent.set`.
    public var overrides: [String: String] = [:]
    /// Print progress to stderr (only meaningful when it is a terminal).
    public var progress = false
    /// Allow a live capture when permitted (root).
    public var capture = true
    /// Scenarios run at once when a directory is given.
    public var concurrency = 2
    /// Path of the `fwdlab` executable for process mode.
    public var executablePath: String?

    public init() {}
}
