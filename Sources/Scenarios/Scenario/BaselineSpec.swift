/// A second agent build to replay the scenario against first (`baseline:`), so `matches_baseline` and
/// `differs_from_baseline` can diff the two runs' decisions. In-process, a "build" is the agent with other parameter
/// values (e.g. a ForwardLab behaviour switch standing for a release's change); with `executable`, the baseline is another
/// `fwdlab` binary run as a child agent process, so two real builds are compared; with `agent`, a real Fluentd release.
public struct BaselineSpec: Sendable, Equatable {
    /// Names the baseline in reports, e.g. `v1.16 out_forward`.
    public var label: String
    /// Parameter overrides that make the baseline differ from the scenario's own agent (applied after `--set`).
    public var overrides: [String: String] = [:]
    /// Another `fwdlab` executable to run the baseline with (`--agent process` for that run only), or nil for this build.
    public var executable: String?
    /// Real Fluentd as the baseline (`fluentd:1.16.9`, `fluentd=/path`), resolved when the scenario runs.
    public var agent: String?

    public init(label: String, overrides: [String: String] = [:], executable: String? = nil, agent: String? = nil) {
        self.label = label
        self.overrides = overrides
        self.executable = executable
        self.agent = agent
    }
}
