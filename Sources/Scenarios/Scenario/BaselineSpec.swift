/// A second agent build to replay the scenario against first (`baseline:`), so `matches_baseline` and
/// `differs_from_baseline` can diff the two runs' decisions. In-process, a "build" is the agent with other parameter
/// values (e.g. a ForwardLab behaviour switch standing for a release's change); comparing two binaries needs process mode.
public struct BaselineSpec: Sendable, Equatable {
    /// Names the baseline in reports, e.g. `v1.16 out_forward`.
    public var label: String
    /// Parameter overrides that make the baseline differ from the scenario's own agent (applied after `--set`).
    public var overrides: [String: String] = [:]

    public init(label: String, overrides: [String: String] = [:]) {
        self.label = label
        self.overrides = overrides
    }
}
