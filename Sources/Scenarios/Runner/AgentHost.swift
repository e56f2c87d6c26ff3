import Agent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The agent under test, in-process: starts `ForwardingAgent` from the rendered configuration, records its event
/// stream on the run clock, and kills/restarts/reloads it on cue.
final class AgentHost: AgentUnderTest {
    let configuration: AgentConfiguration
    let settings: AgentRuntimeSettings
    let clock: RunClock
    let log: AgentLogSink
    private let resolver: (any AddressResolver)?
    private struct State {
        var agent: ForwardingAgent?
        /// The incarnation's RPC endpoint (`<system> rpc_endpoint`), served in-process as `fwdlab agent` serves it.
        var rpc: RPCServer?
        /// The incarnation's `<source> @type forward`, when the load must come over the wire (`wireInputPort`).
        var input: ForwardInput?
        var events: [AgentEventEntry] = []
        /// `phi_sample` events, kept apart so expectations, counts and the timeline table see decisions only.
        var phiSamples: [AgentEventEntry] = []
        var secondaryChunks = 0
        var incarnations = 0
        /// The last reload started (`reload()`), until a stop or kill waited for it.
        var reload: Task<Void, Never>?
    }
    private let state = NIOLockedValueBox(State())

    /// Parses the rendered configuration; the scenario seed fixes the balancer's shuffle. With `mutant` the agent
    /// runs broken that way (the mutation check).
    init(configText: String, source: String, seed: UInt64, clock: RunClock, log: AgentLogSink,
         resolver: (any AddressResolver)?, mutant: AgentMutant? = nil, wireInputPort: Int? = nil) throws {
        self.wireInputPort = wireInputPort
        self.wireClient = wireInputPort.map { ForwardInputClient(port: $0) }
        let parsed = try AgentConfiguration.parse(text: configText, file: source)
        let configuration = mutant?.applied(to: parsed) ?? parsed
        guard var settings = AgentRuntimeSettings(configuration: configuration) else {
            throw ScenarioRunError.agent("the configuration has no <match> with @type forward")
        }
        settings.forwarder.seed = seed
        self.configuration = configuration
        self.settings = settings
        self.intendedForwarder = mutant == nil ? settings.forwarder : AgentRuntimeSettings(configuration: parsed)?.forwarder
        self.clock = clock
        self.log = log
        self.resolver = resolver
    }

    /// The forwarder settings the configuration asks for, before any mutant broke them.
    let intendedForwarder: ForwarderSettings?

    var current: ForwardingAgent? { state.withLockedValue { $0.agent } }
    var rpcEndpoint: HostPort? { configuration.system.rpcEndpoint }
    var isRunning: Bool { current != nil }
    var offersBatches: Bool { wireClient != nil }

    /// Where the in-process agent serves a default `<source> @type forward` (in_forward's defaults, loopback) for a
    /// load that must pass in_forward's checks, e.g. a Fluent Bit sender; nil: the load is emitted directly.
    let wireInputPort: Int?
    private let wireClient: ForwardInputClient?

    func offer(tag: String, entries: ByteBuffer, count: Int) async -> OfferOutcome {
        if let wireClient {
            guard current != nil else { return .agentDown }
            return await wireClient.offer(tag: tag, entries: entries, count: count, agentRunning: { self.current != nil })
        }
        guard let agent = current else { return .agentDown }
        do {
            try agent.emit(tag: tag, entries: entries, count: count)
            return .accepted
        } catch .stopped {
            return .agentDown
        } catch {
            return .overflow
        }
    }
    var observations: AgentObservations {
        state.withLockedValue { AgentObservations(events: $0.events, phiSamples: $0.phiSamples, secondaryChunks: $0.secondaryChunks) }
    }

    func start() async throws {
        let logger = log.logger()
        for w in configuration.warnings { logger.warning("\(w)") }
        let clock = self.clock
        // Unscaled runs keep the real clocks (the agent exactly as deployed); scaled runs give it scenario time.
        let agentClock: any AgentClock = clock.scale == 1 ? SystemClock() : clock.agentClock
        let agent = try await ForwardingAgent.start(
            configuration: settings, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, clock: agentClock, logger: logger,
            eventSink: { [state] record in
                let entry = AgentEventEntry(record, clock: clock)
                if entry.event == .phiSample {
                    state.withLockedValue { $0.phiSamples.append(entry) }
                } else {
                    state.withLockedValue { $0.events.append(entry) }
                }
            },
            resolver: resolver, phiSamples: true, timeScale: clock.scale)
        agent.setConfigurationText(configuration.configText)
        var rpc: RPCServer?
        if let endpoint = rpcEndpoint {
            let configuration = self.configuration
            let plane = ControlPlane(control: agent, logger: logger) { configuration }
            do {
                rpc = try await RPCServer.start(endpoint: endpoint, plane: plane, options: .init(system: configuration.system), logger: logger)
            } catch {
                await agent.stop(flush: false, drainTimeout: 0)
                throw error
            }
        }
        var input: ForwardInput?
        if let port = wireInputPort {
            // in_forward of the agent's release profile.
            let s = ForwardInput.defaultSettings(bind: "127.0.0.1", port: port, profile: configuration.system.fluentdVersion, logger: logger)
            do {
                // Every tag reaches the output, as with `emit`: scenario configs route the load's tag there.
                input = try await ForwardInput.start(settings: s, agent: agent)
            } catch {
                try? await rpc?.close()
                await agent.stop(flush: false, drainTimeout: 0)
                throw error
            }
        }
        state.withLockedValue {
            $0.agent = agent
            $0.rpc = rpc
            $0.input = input
            $0.incarnations += 1
        }
    }

    /// kill -9: no flush, nothing drained; a memory buffer's staged events are gone.
    func kill() async {
        guard let agent = await take() else { return }
        await agent.stop(flush: false, drainTimeout: 0)
        await collectCounters(agent)
    }

    /// Graceful stop at the end of the run (flush_at_shutdown, bounded drain). The drain gets the grace the process
    /// and Fluentd hosts give their SIGTERM'd child (`drainTimeout` + 10 s): a backlog drains at one chunk per
    /// `flush_thread_burst_interval` once the input stops, in Fluentd as in the agent.
    func stop(drainTimeout: Double) async {
        guard let agent = await take() else { return }
        await agent.stop(flush: nil, drainTimeout: drainTimeout + 10)
        await collectCounters(agent)
    }

    /// `agent: stop`: the graceful stop SIGTERM starts in `fwdlab agent`, with its 30 s drain bound.
    func terminate() async { await stop(drainTimeout: 20) }  // 30 s, as `fwdlab agent` bounds its SIGTERM drain

    func flush(timeout: Double) async {
        await current?.flush(timeout: timeout)
    }

    /// Like the signal the other hosts send: started, not awaited, since the reload now runs the old output's whole
    /// shutdown first (about 1.5 s, docs/control-path.md) and the timeline's next steps keep their times. A stop or
    /// kill waits for it, as Fluentd handles one signal at a time.
    func reload() async throws {
        guard let agent = current else { throw ScenarioRunError.agent("reload: the agent is not running") }
        let settings = self.settings
        let logger = log.logger()
        let previous = state.withLockedValue { $0.reload }
        let task = Task {
            await previous?.value
            do { try await agent.reload(settings) } catch { logger.error("graceful reload failed: \(error)") }
        }
        state.withLockedValue { $0.reload = task }
    }

    /// The running incarnation, taken out of the state; its RPC endpoint closes first (no request reaches a stopping agent).
    private func take() async -> ForwardingAgent? {
        let reload = state.withLockedValue { s -> Task<Void, Never>? in
            let r = s.reload
            s.reload = nil
            return r
        }
        await reload?.value
        let (agent, rpc, input) = state.withLockedValue { s in
            let taken = (s.agent, s.rpc, s.input)
            s.agent = nil
            s.rpc = nil
            s.input = nil
            return taken
        }
        // The input first, as Fluentd stops its inputs before its outputs.
        await input?.stop()
        try? await rpc?.close()
        return agent
    }

    private func collectCounters(_ agent: ForwardingAgent) async {
        let c = await agent.counters()
        state.withLockedValue { $0.secondaryChunks += c.chunksToSecondary }
    }
}
