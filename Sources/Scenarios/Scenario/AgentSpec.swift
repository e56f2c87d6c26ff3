import ForwardProtocol

/// The agent under test: its Fluentd configuration (with `${…}` placeholders) and overrides.
public struct AgentSpec: Sendable, Equatable {
    /// Configuration text (inline, or read from `configFile` at load time).
    public var configText: String
    /// Where the text came from (for error messages): the scenario file or the config file.
    public var configSource: String
    /// Line in `configSource` where the text starts (inline block scalars start below `config:`).
    public var configLineOffset: Int
    /// Parameter overrides applied inside the forward `<match>` (e.g. `phi_threshold: 0`).
    public var overrides: [String: String] = [:]
    /// The configuration's `<system> fwdlab_fluentd_version` (read at load time): a real Fluentd of another release
    /// line cannot stand in for this agent.
    public var fluentdVersion: FluentdReleaseProfile = .default
    /// Whether the configuration names that profile. Only then must a real Fluentd be of its release line: a
    /// configuration on the default profile is what an upgrade runs unchanged on every release.
    public var namesFluentdVersion = false

    public init(configText: String, configSource: String, configLineOffset: Int = 0) {
        self.configText = configText
        self.configSource = configSource
        self.configLineOffset = configLineOffset
    }
}
