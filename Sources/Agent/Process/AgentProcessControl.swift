import Logging

/// The control plane's view of a whole `fwdlab agent` process: like `ForwardingAgent`'s, except that a stop
/// shuts the inputs first, as Fluentd's worker does (lib/fluent/root_agent.rb `shutdown` calls `stop` and then
/// `shutdown` on the inputs before the outputs' `before_shutdown`, where flush_at_shutdown flushes), so no input
/// emits into an agent that is stopping. See docs/control-path.md.
struct AgentProcessControl: AgentControl {
    let agent: ForwardingAgent
    let inputs: [SampleInput]
    let forwardInputs: [ForwardInput]
    let logger: Logger
    /// The inputs' router; a reload gives it the new labels, filters and matches (docs/pipeline.md).
    var pipeline: EventPipeline? = nil

    func flush() async throws { try await agent.flush() }

    func reload(_ configuration: AgentConfiguration) async throws {
        try await agent.reload(configuration)
        pipeline?.replace(with: configuration)
    }

    func gracefulReload(_ configuration: AgentConfiguration) async throws {
        try await agent.gracefulReload(configuration)
        pipeline?.replace(with: configuration)
    }

    /// Inputs first (sample inputs stop ticking, forward inputs close their listeners and connections), then the
    /// output: flush_at_shutdown tries once unless a retry wait is pending, and nothing waits for a destination that
    /// is down.
    func stop() async throws {
        await Self.stopInputs(inputs, forwardInputs, logger: logger)
        logger.info("shutting down the forward output")
        await agent.stop(flush: nil)
    }

    func dumpConfig() async -> String { await agent.dumpConfig() }

    /// Stops every input (idempotent); logs the step when given a logger.
    static func stopInputs(_ inputs: [SampleInput], _ forwardInputs: [ForwardInput], logger: Logger?) async {
        guard !inputs.isEmpty || !forwardInputs.isEmpty else { return }
        logger?.info("shutting down inputs", metadata: ["sample": "\(inputs.count)", "forward": "\(forwardInputs.count)"])
        for input in inputs { try? await input.stop().get() }
        for input in forwardInputs { await input.stop() }
    }
}
