/// The control plane's view of the agent (docs/forward-protocol.md, "RPC and signals"): RPC and signals call these.
extension ForwardingAgent: AgentControl {
    public func flush() async throws { await flush(timeout: 60) }

    /// SIGHUP / `config.reload`: Fluentd restarts workers; in-process this is the same graceful swap.
    public func reload(_ configuration: AgentConfiguration) async throws {
        try await gracefulReload(configuration)
    }

    public func gracefulReload(_ configuration: AgentConfiguration) async throws {
        try await performReload(prepareReload(configuration))
        configurationText.withLockedValue { $0 = configuration.configText }
    }

    /// `prepareReload` for the configuration's first forward output.
    public func prepareReload(_ configuration: AgentConfiguration) async throws -> PreparedReload {
        guard let s = AgentRuntimeSettings(configuration: configuration) else {
            throw AgentStartError.configuration("the new configuration has no forward output")
        }
        return try await prepareReload(s)
    }

    public func stop() async throws { await stop(flush: nil) }

    public func dumpConfig() async -> String { configurationText.withLockedValue { $0 } }
}
