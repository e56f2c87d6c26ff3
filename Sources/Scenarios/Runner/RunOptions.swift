import Agent

/// How `fwdlab run` runs scenarios.
public struct RunOptions: Sendable {
    /// Which agent runs the scenario: the Swift agent in this process (default), the Swift agent as a
    /// `fwdlab agent -c FILE` child process, or real Fluentd.
    public enum AgentMode: Sendable, Equatable {
        case inProcess
        case process
        case fluentd(FluentdInstallation)

        /// The selector as written on the command line (`in-process`, `process`, `fluentd:1.16.9`).
        public var rawValue: String {
            switch self {
            case .inProcess: "in-process"
            case .process: "process"
            case let .fluentd(f): "fluentd:\(f.version)"
            }
        }

        /// Parses `in-process`, `process`, `fluentd`, `fluentd:VERSION` or `fluentd=PATH` (resolving Fluentd).
        public static func parse(_ text: String) throws -> AgentMode {
            switch text {
            case "in-process": return .inProcess
            case "process": return .process
            case "fluentd": return .fluentd(try FluentdInstallation.resolve())
            default: break
            }
            if text.hasPrefix("fluentd:") {
                return .fluentd(try FluentdInstallation.resolve(version: String(text.dropFirst("fluentd:".count))))
            }
            if text.hasPrefix("fluentd=") {
                return .fluentd(try FluentdInstallation.resolve(path: String(text.dropFirst("fluentd=".count))))
            }
            throw FluentdHostError.notInstalled(
                "unknown agent '\(text)': use in-process, process, fluentd, fluentd:VERSION or fluentd=/path/to/bin/fluentd")
        }

        /// Whether the agent is the Swift re-implementation (in this process or as a child).
        public var isSwiftAgent: Bool { if case .fluentd = self { false } else { true } }
    }

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
    /// What plays the receivers: the simulator in-process (every fault of the catalogue), or real `fwdlab receiver`
    /// processes under real signals (pause = SIGSTOP, crash = SIGKILL, refuse = no process on the port).
    public enum ReceiverMode: String, Sendable, Equatable, CaseIterable { case simulated, process }
    public var receiverMode: ReceiverMode = .simulated
    /// Path of the `fwdlab` executable real-process receivers run (default: this executable).
    public var receiverExecutablePath: String?
    /// `--strict`: a SKIP fails the scenario unless the scenario declares why it may skip (`may_skip:`,
    /// `requires:`, `status: pending`): an expectation that was not judged is not a pass.
    public var strict = false
    /// The mutation check's breakage of the agent for this run (in-process agent only); nil for a normal run.
    public var mutant: AgentMutant?

    public init() {}
}
