import FluentdConfig
import ForwardServer
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Everything `fwdlab agent -c FILE` runs: the forward output's `ForwardingAgent`, the inputs that
/// feed it, the RPC endpoint and the signal handlers (docs/forward-protocol.md, "RPC and signals"), until a stop is requested.
public final class AgentProcess: Sendable {
    /// The running forwarder; nil for a configuration without a forward output (a receiver's: inputs, filters,
    /// stdout/null outputs only; docs/pipeline.md, "What runs"). Implicitly unwrapped so callers that started a
    /// forwarder use it directly; check `hasForwardOutput` first otherwise.
    public let agent: ForwardingAgent!

    /// Whether the configuration has a forward output (and `agent` a value).
    public var hasForwardOutput: Bool { agent != nil }
    private let inputs: [SampleInput]
    /// The `<source> @type forward` servers.
    public let forwardInputs: [ForwardInput]
    private let plane: ControlPlane
    private let signals: SignalHandler
    private let rpc: RPCServer?
    /// The `<source> @type monitor_agent` endpoints.
    public let monitors: [MonitorHTTPServer]
    /// The `<source> @type prometheus` endpoints and the `prometheus_output_monitor` timers that feed them.
    public let metricsServers: [MonitorHTTPServer]
    private let metricsTimers: [Task<Void, Never>]
    /// The `<source> @type tail` inputs (stopped after the agent, so their pos_files keep what was emitted).
    public let tails: [TailInput]
    private let logger: Logger

    private let control: AgentProcessControl

    private init(agent: ForwardingAgent?, control: AgentProcessControl, inputs: [SampleInput], forwardInputs: [ForwardInput], plane: ControlPlane,
                 signals: SignalHandler, rpc: RPCServer?, monitors: [MonitorHTTPServer], metricsServers: [MonitorHTTPServer],
                 metricsTimers: [Task<Void, Never>], tails: [TailInput], logger: Logger) {
        self.tails = tails
        self.agent = agent
        self.control = control
        self.inputs = inputs
        self.forwardInputs = forwardInputs
        self.plane = plane
        self.signals = signals
        self.rpc = rpc
        self.monitors = monitors
        self.metricsServers = metricsServers
        self.metricsTimers = metricsTimers
        self.logger = logger
    }

    /// Why a configuration cannot run as one process.
    public enum StartError: Error, CustomStringConvertible {
        case unsupported(String)

        public var description: String {
            switch self {
            case let .unsupported(s): return s
            }
        }
    }

    /// Command-line settings that take precedence over the configuration file.
    public struct Overrides: Sendable {
        /// Seeds the balancer's shuffle and retry jitter, so a run can be replayed (scenarios pass theirs).
        public var seed: UInt64?
        /// Sends DNS queries to this nameserver (`host:port`), as `<system> dns_resolver` does.
        public var dnsResolver: HostPort?
        /// Also write a `phi_sample` event per node at every heartbeat tick (scenario reports draw phi(t) from them).
        public var phiSamples = false
        /// Run on scaled time (the scenario runner's `time_scale`): every timer of the forward output lasts `scale`
        /// times as long in real time, and every reading is in the scaled seconds around the clock's origin.
        public var clock: ScaledClock?
        /// How a reload re-reads the file: the options of the first load (`--fluentd-version` is one of them).
        public var parseOptions = ConfigParseOptions()

        public init(seed: UInt64? = nil, dnsResolver: HostPort? = nil, phiSamples: Bool = false, clock: ScaledClock? = nil) {
            self.seed = seed
            self.dnsResolver = dnsResolver
            self.phiSamples = phiSamples
            self.clock = clock
        }
    }

    /// Validates what the runtime supports, then starts the agent, its inputs and the control plane.
    public static func start(configuration: AgentConfiguration, configPath: String,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                             eventFile: String? = nil, overrides: Overrides = Overrides(),
                             logger: Logger = Logger(label: "fwdlab.agent")) async throws -> AgentProcess {
        // What the runtime cannot run (a second forward output, a primary file output, ...) fails here, by name.
        if let reason = configuration.unrunnableReason() { throw StartError.unsupported("\(reason)") }
        let sites = configuration.forwardOutputSites
        // Read every forward input's server settings before anything starts, so a bad one fails with its file:line.
        var forwardSettings: [ReceiverSettings] = []
        for source in configuration.sources {
            if case let .forward(f) = source {
                forwardSettings.append(try ForwardInput.settings(for: f, logger: logger))
            }
        }
        // <system> dns_resolver sends the agent's queries to that nameserver through c-ares;
        // otherwise the runtime uses the system resolver.
        var resolver: (any AddressResolver)?
        if let dnsResolver = overrides.dnsResolver ?? configuration.system.dnsResolver {
            let pool = NIOThreadPool(numberOfThreads: 1)
            pool.start()
            resolver = try CAresResolver.addressResolver(dnsResolver: dnsResolver, threadPool: pool)
        }
        // One ForwardingAgent per forward output (its own buffer, nodes and connections, as each out_forward in
        // Fluentd); the event stream (--events) and phi samples are the first's.
        var startedAgents: [ForwardingAgent] = []
        for (i, site) in sites.enumerated() {
            guard let f = site.output.forward else { continue }
            var settings = AgentRuntimeSettings(forward: f)
            if let seed = overrides.seed { settings.forwarder.seed = seed &+ UInt64(i) }
            // The output logs through its own copy when it has @id or @log_level, as a Fluentd plugin does.
            let outputLogger = AgentLogOptions.pluginLogger(logger, id: site.element?.id, level: f.logLevel)
            do {
                let a = try await ForwardingAgent.start(configuration: settings, eventLoopGroup: group,
                                                        clock: overrides.clock ?? SystemClock(), logger: outputLogger,
                                                        eventFile: i == 0 ? eventFile : nil, resolver: resolver,
                                                        phiSamples: i == 0 && overrides.phiSamples,
                                                        timeScale: overrides.clock?.scale ?? 1)
                a.setConfigurationText(configuration.configText)
                startedAgents.append(a)
            } catch {
                for a in startedAgents { await a.stop(flush: false) }
                throw error
            }
        }
        let agents = startedAgents
        let agent = agents.first
        // Inputs emit through the router (labels, filters, copy, relabel); a plain relay's route is the buffer itself.
        let pipeline = EventPipeline(configuration: configuration, forwards: agents, logger: logger)
        var inputs: [SampleInput] = []
        for (i, source) in configuration.sources.enumerated() {
            guard case let .sample(s) = source else { continue }
            // Each worker runs its own copy of a source, as Fluentd's worker processes do (docs/pipeline.md, "Workers").
            for worker in configuration.workers(ofSource: i) {
                if !pipeline.routes(tag: s.tag, label: s.label, worker: worker) {
                    logger.warning("no patterns matched", metadata: ["tag": "\(s.tag)"])
                    continue
                }
                let input = SampleInput(settings: SampleInput.Settings(s), sink: pipeline.source(label: s.label, worker: worker),
                                        loop: group.next(), logger: logger)
                input.start()
                inputs.append(input)
            }
        }
        var tails: [TailInput] = []
        for (i, source) in configuration.sources.enumerated() {
            guard case let .tail(t) = source else { continue }
            let input = TailInput(config: t, sink: pipeline.source(label: t.label, worker: configuration.workers(ofSource: i).lowerBound),
                                  loop: group.next(), logger: logger)
            try await input.start().get()
            tails.append(input)
        }
        var forwardInputs: [ForwardInput] = []
        do {
            // One listener per <source> whatever the worker count: Fluentd's workers share the port through the
            // supervisor's socket manager; here the first of its workers takes every connection.
            let forwardSources = configuration.sources.indices.filter { if case .forward = configuration.sources[$0] { true } else { false } }
            for (settings, i) in zip(forwardSettings, forwardSources) {
                let label = configuration.sources[i].label
                let worker = configuration.workers(ofSource: i).lowerBound
                forwardInputs.append(try await ForwardInput.start(settings: settings, agent: pipeline.source(label: label, worker: worker),
                                                                  routes: { pipeline.routes(tag: $0, label: label, worker: worker) },
                                                                  group: group))
            }
        } catch {
            for input in forwardInputs { await input.stop() }
            for input in inputs { try? await input.stop().get() }
            for t in tails { try? await t.stop().get() }
            for a in agents { await a.stop(flush: false) }
            throw error
        }
        let control = AgentProcessControl(agent: agent, inputs: inputs, forwardInputs: forwardInputs, logger: logger, pipeline: pipeline,
                                          withoutOutput: agent == nil ? .init(loop: group.next(), configText: configuration.configText) : nil,
                                          moreAgents: Array(agents.dropFirst()))
        let plane = ControlPlane(control: control, configPath: configPath, options: overrides.parseOptions, logger: logger)
        let signals = SignalHandler(plane: plane, logger: logger)
        var rpc: RPCServer?
        if let endpoint = configuration.system.rpcEndpoint {
            rpc = try await RPCServer.start(endpoint: endpoint, plane: plane, options: .init(system: configuration.system),
                                            group: group, logger: logger)
        }
        var monitors: [MonitorHTTPServer] = []
        var metricsServers: [MonitorHTTPServer] = []
        var metricsTimers: [Task<Void, Never>] = []
        let report = monitorReport(configuration, outputs: sites, agents: agents)
        let outputID = report.outputID
        var exporters: [PrometheusOutputMonitor] = []
        for source in configuration.sources {
            guard case let .prometheusOutputMonitor(p) = source else { continue }
            let exporter = PrometheusOutputMonitor(labels: p.labels)
            exporters.append(exporter)
            let interval = p.interval
            // The plugin's timer: the first update one interval after start, then every interval.
            metricsTimers.append(Task {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                    if Task.isCancelled { return }
                    guard let agent else { continue }
                    exporter.update(.init(pluginID: outputID, figures: await agent.outputMonitor(), nodes: await agent.nodeMonitor()))
                }
            })
        }
        let allExporters = exporters
        for source in configuration.sources {
            let (bind, port, location): (String, Int, ConfigLocation)
            do {
                switch source {
                case .monitorAgent(let m):
                    (bind, port, location) = (m.bind, m.port, m.element.location)
                    monitors.append(try await MonitorHTTPServer.monitorAgent(m, report: report.make, group: group, logger: logger))
                case .prometheus(let p):
                    (bind, port, location) = (p.bind, p.port, p.element.location)
                    metricsServers.append(try await MonitorHTTPServer.start(bind: p.bind, port: p.port, path: p.metricsPath, page: { _ in
                        ("text/plain; version=0.0.4", allExporters.map { $0.exposition() }.joined())
                    }, group: group))
                default:
                    continue
                }
            } catch {
                for server in monitors + metricsServers { await server.close() }
                for t in metricsTimers { t.cancel() }
                try? await rpc?.close()
                signals.cancel()
                await AgentProcessControl.stopInputs(inputs, forwardInputs, logger: nil)
                for a in agents { await a.stop(flush: false) }
                await control.finishWithoutOutput()
                throw StartError.unsupported("\(location): cannot listen on \(bind):\(port): \(error)")
            }
        }
        return AgentProcess(agent: agent, control: control, inputs: inputs, forwardInputs: forwardInputs, plane: plane, signals: signals,
                            rpc: rpc, monitors: monitors, metricsServers: metricsServers, metricsTimers: metricsTimers, tails: tails, logger: logger)
    }

    /// The plugins monitor_agent lists, in Fluentd's order (inputs, then the output), with the output's live figures.
    private static func monitorReport(_ configuration: AgentConfiguration, outputs: [MatchConfig],
                                      agents: [ForwardingAgent]) -> (make: @Sendable () async -> MonitorAgentReport, outputID: String) {
        // Plugins without @id get a Ruby-style object name, fixed for the process's lifetime.
        func name(_ element: ConfigElement?, _ index: Int) -> String { element?.id ?? "object:" + String(0x5c8 + 20 * index, radix: 16) }
        var inputs: [MonitorAgentReport.Plugin] = []
        for (i, source) in configuration.sources.enumerated() {
            let element: ConfigElement?
            switch source {
            case .forward(let f): element = f.element
            case .sample(let s): element = s.element
            case .monitorAgent(let m): element = m.element
            case .prometheus(let p): element = p.element
            case .prometheusOutputMonitor(let p): element = p.element
            case .tail(let t): element = t.element
            }
            guard let element else { continue }
            inputs.append(.init(id: name(element, i), category: .input, type: element.type ?? "", element: element))
        }
        let outputElements = outputs.map { $0.element ?? ConfigElement(name: "match", location: $0.location) }
        let outputIDs = outputs.enumerated().map { name($0.element.element, configuration.sources.count + $0.offset) }
        let inputPlugins = inputs
        return ({
            var plugins = inputPlugins
            for (i, agent) in agents.enumerated() where outputElements.indices.contains(i) {
                plugins.append(.init(id: outputIDs[i], category: .output, type: "forward", element: outputElements[i],
                                     output: await agent.outputMonitor()))
            }
            return MonitorAgentReport(plugins: plugins)
        }, outputIDs.first ?? name(nil, configuration.sources.count))
    }

    /// Runs until the agent stops (a signal, an RPC call, or `stop()`), then tears everything down.
    public func run() async {
        if let agent { await agent.run() } else { await control.waitWithoutOutput() }
        for a in control.moreAgents { await a.stop(flush: nil) }
        for t in tails { try? await t.stop().get() }
        // Normally stopped already (a stop shuts the inputs before the agent); this covers an agent stopped otherwise.
        await AgentProcessControl.stopInputs(inputs, forwardInputs, logger: nil)
        signals.cancel()
        try? await rpc?.close()
        for server in monitors + metricsServers { await server.close() }
        for t in metricsTimers { t.cancel() }
        await plane.waitForStops()
    }

    /// Graceful stop, as SIGTERM does: inputs first, then the agent (which flushes per flush_at_shutdown).
    public func stop() async {
        try? await control.stop()
    }
}
