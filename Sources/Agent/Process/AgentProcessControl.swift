import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The control plane's view of a whole `fwdlab agent` process: like `ForwardingAgent`'s, except that a stop
/// shuts the inputs first, as Fluentd's worker does (lib/fluent/root_agent.rb `shutdown` calls `stop` and then
/// `shutdown` on the inputs before the outputs' `before_shutdown`, where flush_at_shutdown flushes), so no input
/// emits into an agent that is stopping. See docs/control-path.md.
struct AgentProcessControl: AgentControl {
    let agent: ForwardingAgent?
    let inputs: [SampleInput]
    let forwardInputs: [ForwardInput]
    let logger: Logger
    /// The inputs' router; a reload gives it the new labels, filters and matches (docs/pipeline.md).
    var pipeline: EventPipeline? = nil
    /// Set when the configuration has no forward output: what `run()` waits for, and the text `dumpConfig` answers.
    var withoutOutput: WithoutOutput? = nil
    /// The forward outputs after the first (a configuration with several): flushed, reloaded and stopped with it.
    var moreAgents: [ForwardingAgent] = []

    /// A process without a forward output: stopped when its inputs are.
    struct WithoutOutput: Sendable {
        let stopped: EventLoopPromise<Void>
        let configText: NIOLockedValueBox<String>

        init(loop: any EventLoop, configText: String) {
            stopped = loop.makePromise(of: Void.self)
            self.configText = NIOLockedValueBox(configText)
        }
    }

    func flush() async throws {
        try await agent?.flush()
        for a in moreAgents { try await a.flush() }
    }

    func reload(_ configuration: AgentConfiguration) async throws {
        try await gracefulReload(configuration)
    }

    /// Fluentd's `reload_config` (docs/control-path.md, "Reload"): every output's new settings are checked before any
    /// output stops, so a failure leaves them all running; then the outputs shut down side by side (Fluentd runs each
    /// plugin's shutdown in its own thread) and start again; the routing changes with the new outputs.
    func gracefulReload(_ configuration: AgentConfiguration) async throws {
        try checkOutputs(configuration)
        var prepared: [ForwardingAgent.PreparedReload] = []
        if let agent { prepared.append(try await agent.prepareReload(configuration)) }
        let outputs = configuration.forwardOutputs
        for (i, a) in moreAgents.enumerated() where outputs.indices.contains(i + 1) {
            prepared.append(try await a.prepareReload(AgentRuntimeSettings(forward: outputs[i + 1])))
        }
        let running = (agent.map { [$0] } ?? []) + moreAgents
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (output, p) in zip(running, prepared) {
                group.addTask { try await output.performReload(p) }
            }
            try await group.waitForAll()
        }
        agent?.setConfigurationText(configuration.configText)
        for a in moreAgents { a.setConfigurationText(configuration.configText) }
        pipeline?.replace(with: configuration)
        withoutOutput?.configText.withLockedValue { $0 = configuration.configText }
    }

    /// A reload cannot add or remove forward outputs (their buffers and connections are made at start).
    private func checkOutputs(_ configuration: AgentConfiguration) throws {
        let running = (agent == nil ? 0 : 1) + moreAgents.count
        let wanted = configuration.forwardOutputSites.count
        if agent == nil, wanted > 0 {
            throw AgentStartError.configuration("the new configuration adds a forward output: restart the agent to run it")
        }
        if wanted != running {
            throw AgentStartError.configuration("the new configuration has \(wanted) forward outputs, the running one \(running): restart the agent to run it")
        }
    }

    /// Waits until `stop()` ran (a process without a forward output).
    func waitWithoutOutput() async { try? await withoutOutput?.stopped.futureResult.get() }

    /// Ends a process without a forward output that failed to start.
    func finishWithoutOutput() async { withoutOutput?.stopped.succeed(()) }

    /// Inputs first (sample inputs stop ticking, forward inputs close their listeners and connections), then the
    /// output: flush_at_shutdown tries once unless a retry wait is pending, and nothing waits for a destination that
    /// is down.
    func stop() async throws {
        await Self.stopInputs(inputs, forwardInputs, logger: logger)
        if let agent {
            logger.info("shutting down the forward output")
            await agent.stop(flush: nil)
        }
        for a in moreAgents { await a.stop(flush: nil) }
        withoutOutput?.stopped.succeed(())
    }

    func dumpConfig() async -> String {
        if let agent { return await agent.dumpConfig() }
        return withoutOutput?.configText.withLockedValue { $0 } ?? ""
    }

    /// Stops every input (idempotent); logs the step when given a logger.
    static func stopInputs(_ inputs: [SampleInput], _ forwardInputs: [ForwardInput], logger: Logger?) async {
        guard !inputs.isEmpty || !forwardInputs.isEmpty else { return }
        logger?.info("shutting down inputs", metadata: ["sample": "\(inputs.count)", "forward": "\(forwardInputs.count)"])
        for input in inputs { try? await input.stop().get() }
        for input in forwardInputs { await input.stop() }
    }
}
