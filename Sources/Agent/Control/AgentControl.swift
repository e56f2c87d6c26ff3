/// What the control plane (RPC endpoint and signals; docs/forward-protocol.md, "RPC and signals") asks of the running agent; the runtime implements it.
///
/// Reload methods receive a configuration that has already been parsed and validated, so an implementation
/// only has to swap pipelines; a broken file never reaches it (the old configuration keeps running).
public protocol AgentControl: Sendable {
    /// Force-flush every buffer (SIGUSR1, `/api/plugins.flushBuffers`): enqueue all chunks and flush them
    /// unless a retry wait is pending.
    func flush() async throws
    /// Restart the pipeline with `configuration` (SIGHUP, `/api/config.reload`; Fluentd restarts workers).
    func reload(_ configuration: AgentConfiguration) async throws
    /// Rebuild the pipeline in-process with `configuration` (SIGUSR2, `/api/config.gracefulReload`).
    func gracefulReload(_ configuration: AgentConfiguration) async throws
    /// Graceful stop (SIGINT/SIGTERM, `/api/processes.*Workers`): flush if `flush_at_shutdown`, then close.
    func stop() async throws
    /// The configuration currently running, as text with secrets masked (`/api/config.dump`, `getDump`).
    func dumpConfig() async -> String
}
