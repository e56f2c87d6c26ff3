import Agent
import Capture
import ForwardProtocol
import Foundation
import NIOConcurrencyHelpers
import Simulator

/// Runs one scenario end to end: receivers (and DNS server, capture, partitions) up, agent started, numbered
/// load driven in, the timeline applied on the run clock, then drain, teardown, evaluation and the report.
public struct ScenarioRunner: Sendable {
    public let options: RunOptions

    public init(options: RunOptions = RunOptions()) { self.options = options }

    /// This executable (process mode and process receivers start it again).
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The scale a run uses: `--time-scale`, else the scenario's `time_scale` (an agent process gets it through
    /// `fwdlab agent --time-scale`).
    static func effectiveTimeScale(_ scenario: Scenario, options: RunOptions) -> Double {
        // Real Fluentd lives on the real clock: a scaled scenario runs at scale 1 there (same scenario-time meaning).
        if case .fluentd = options.agentMode { return 1 }
        return options.timeScale ?? scenario.timeScale
    }

    /// Why `scenario` cannot run here (pending, or a requirement missing), nil when it can.
    public static func skipReason(_ scenario: Scenario, options: RunOptions) -> String? { skip(scenario, options: options)?.reason }

    /// Why `scenario` cannot run here, and whether the scenario itself declares that it may not (`status: pending`,
    /// `requires:`, or a partition step, which needs root and nft by nature); `--strict` fails undeclared skips.
    static func skip(_ scenario: Scenario, options: RunOptions) -> (reason: String, declared: Bool)? {
        if case let .pending(reason) = scenario.status { return ("pending: \(reason)", true) }
        var needs = Set(scenario.requires)
        if scenario.timeline.contains(where: { if case .partition = $0.action { true } else { false } }) {
            needs.formUnion([.root, .nft])
        }
        if needs.contains(.root), getuid() != 0 { return ("needs root (nftables partitions / live capture); run as root to include it", true) }
        if needs.contains(.nft), !PartitionTable.isAvailable { return ("needs the nft binary (apt-get install nftables)", true) }
        if case .fluentd = options.agentMode, !scenario.dns.isEmpty, getuid() != 0 {
            return ("real Fluentd resolves names through the system resolver; pointing it at the scenario's DNS server needs root (a mount namespace with its own resolv.conf, docs/fluentd-host.md)", false)
        }
        if let problem = scenario.timeScaleProblem(Self.effectiveTimeScale(scenario, options: options)) {
            return (problem, false)
        }
        if case let .fluentd(installation) = options.agentMode, scenario.agent.namesFluentdVersion,
           FluentdReleaseProfile(release: installation.version) != scenario.agent.fluentdVersion {
            return ("the agent runs the Fluentd \(scenario.agent.fluentdVersion) release profile (it sets fwdlab_fluentd_version); real Fluentd \(installation.version) is another release line", true)
        }
        return nil
    }

    /// `--strict`: the skipped expectations the scenario does not declare (`may_skip:`), as reasons.
    static func undeclaredSkips(_ results: [ExpectationResult], _ scenario: Scenario) -> [String] {
        results.filter { $0.status == .skip }.compactMap { e in
            let cause = e.skipCause ?? .other
            if cause != .other, scenario.maySkip[cause] != nil { return nil }
            let hint = cause == .other ? "" : " (declare `may_skip: {\(cause.rawValue): WHY}` if the scenario may run without it)"
            return "--strict: '\(e.statement)' (line \(e.line)) was not judged: \(e.message)\(hint)"
        }
    }

    /// Runs and evaluates; writes the report when `options.outDirectory` is set. Never throws: problems become a
    /// failed verdict with the reason.
    public func run(_ scenario: Scenario) async -> ScenarioResult {
        let started = Date()
        let seed = options.seed ?? scenario.seed
        var result = ScenarioResult(scenario: scenario.name, path: scenario.sourcePath, seed: seed, verdict: .skipped)
        if let skip = Self.skip(scenario, options: options) {
            result.reason = skip.reason
            result.expectations = scenario.expectations.map {
                ExpectationResult(key: $0.kind.key, statement: $0.statement, status: .skip, measured: "-", message: "scenario skipped", line: $0.line)
            }
            if options.strict, !skip.declared {
                result.verdict = .failed
                result.reason = "--strict: skipped, and the scenario does not declare why it may be: \(skip.reason)"
            }
            return result
        }
        let reportDir = options.outDirectory.map { ReportWriter.makeRunDirectory(base: $0, scenario: scenario.name) }
        let workdir = reportDir ?? NSTemporaryDirectory() + "fwdlab-run-\(getpid())-\(UInt64.random(in: 0 ... .max))"
        try? FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        var baseline: BaselineRecord?
        if let b = scenario.baseline {
            // The other build first, in its own work directory, with the same seed and schedule.
            let dir = (workdir as NSString).appendingPathComponent("baseline")
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var other = options
            other.overrides = options.overrides.merging(b.overrides) { _, new in new }
            other.mutant = nil  // the baseline is the reference: only the scenario's own agent is broken
            if let executable = b.executable {
                other.agentMode = .process
                other.executablePath = executable
            }
            var baselineError: String?
            if let agent = b.agent {
                do { other.agentMode = try RunOptions.AgentMode.parse(agent) } catch { baselineError = "baseline agent: \(error)" }
            }
            var baselineRecord = RunRecord(scenario: scenario.name, seed: seed)
            if let baselineError { baselineRecord.runErrors.append(baselineError) }
            else { baselineRecord = await execute(scenario, seed: seed, workdir: dir, options: other) }
            baseline = BaselineRecord(label: b.label, record: baselineRecord, executable: b.executable ?? b.agent)
        }
        var record = await execute(scenario, seed: seed, workdir: workdir, options: options)
        record.baseline = baseline
        result.record = record
        result.expectations = ExpectationEvaluator.evaluate(scenario.expectations, record: record)
        let strictErrors = options.strict ? Self.undeclaredSkips(result.expectations, scenario) : []
        if !record.runErrors.isEmpty || !strictErrors.isEmpty {
            result.verdict = .failed
            result.reason = (record.runErrors + strictErrors).joined(separator: "; ")
        } else {
            result.verdict = result.expectations.contains { $0.status == .fail } ? .failed : .passed
        }
        result.wallSeconds = Date().timeIntervalSince(started)
        if let reportDir {
            result.reportDirectory = reportDir
            ReportWriter.write(result, scenario: scenario, options: options, directory: reportDir)
        } else {
            try? FileManager.default.removeItem(atPath: workdir)
        }
        return result
    }

    // MARK: - The run

    /// One run of `scenario`; `options` are this run's (the baseline's differ in overrides and maybe the agent).
    private func execute(_ scenario: Scenario, seed: UInt64, workdir: String, options: RunOptions) async -> RunRecord {
        let overrides = options.overrides
        let clock = RunClock(scale: Self.effectiveTimeScale(scenario, options: options))
        var record = RunRecord(scenario: scenario.name, seed: seed)
        record.startedWallNanos = clock.originWallNanos
        record.timeScale = clock.scale
        record.startedMonotonicNanos = clock.originNanos
        record.receivers = scenario.receivers.map(\.name)
        let logSink = AgentLogSink(clock: clock)
        let runID = "\(getpid())\(UInt32.random(in: 0 ... .max))"
        let partitions = PartitionTable(runID: runID)
        let resources = RunResources()
        let cleanupToken = CleanupRegistry.shared.register { await resources.teardown(partitions: partitions) }
        defer { CleanupRegistry.shared.unregister(cleanupToken) }

        // Receivers: the simulator's controller, so every fault behaves as in a topology (with DNS in play they share
        // one port on distinct loopback addresses: a DNS name has one port); or real receiver processes.
        let receivers: any ScenarioReceivers
        do {
            switch options.receiverMode {
            case .simulated:
                receivers = try SimulatedReceivers(scenario: scenario, seed: seed, clock: clock,
                                                   tlsDirectory: (workdir as NSString).appendingPathComponent("tls"))
            case .process:
                receivers = try ProcessReceivers(scenario: scenario,
                                                 executable: options.receiverExecutablePath ?? Self.currentExecutable, workdir: workdir)
            }
            resources.setReceivers(receivers)
            try await receivers.start()
        } catch {
            record.runErrors.append("cannot start the receivers: \(error)")
            await resources.teardown(partitions: partitions)
            return record
        }
        for spec in scenario.receivers {
            record.ports[spec.name] = (try? await receivers.port(of: spec.name)) ?? 0
            record.binds[spec.name] = spec.bind
        }
        let ports = record.ports
        let tlsCA = scenario.receivers.contains(where: \.tls) || scenario.usesTLSFaults ? receivers.caPath : ""

        // DNS server.
        var dns: ScenarioDNS?
        if !scenario.dns.isEmpty {
            do {
                if case .fluentd = options.agentMode {
                    // Fluentd asks the system resolver, which only speaks to port 53: the server gets a loopback
                    // address of its own on port 53, named in the resolv.conf of Fluentd's mount namespace.
                    dns = try await ScenarioDNS.start(scenario.dns, binds: record.binds, ports: ports,
                                                      host: "127.53.\(UInt8.random(in: 1 ... 254)).\(UInt8.random(in: 1 ... 254))", port: 53)
                } else {
                    dns = try await ScenarioDNS.start(scenario.dns, binds: record.binds, ports: ports)
                }
                resources.setDNS(dns)
            } catch {
                record.runErrors.append("cannot start the DNS server: \(error)")
            }
        }

        // Capture (root only).
        var capture: LiveCapture?
        let capturePath = (workdir as NSString).appendingPathComponent("capture.pcap")
        if !scenario.capture || !options.capture {
            record.captureNote = "capture off"
        } else if !LiveCapture.isPermitted {
            record.captureNote = "no capture: live capture needs root; wire expectations are skipped"
        } else {
            do {
                let c = try LiveCapture(options: LiveCaptureOptions(interface: "lo", ports: ports.values.map { UInt16($0) }, outputPath: capturePath))
                try c.start()
                capture = c
                resources.setCapture(c)
            } catch {
                record.captureNote = "no capture: \(error)"
            }
        }

        // Agent.
        var context = PlaceholderContext()
        for spec in scenario.receivers {
            context.receivers[spec.name] = (spec.bind, ports[spec.name] ?? 0)
        }
        context.serverOrder = scenario.receivers
        context.tlsCA = tlsCA
        context.workdir = workdir
        context.dnsPort = dns?.port ?? 0
        context.rpcPort = (try? PortAllocator.freeTCPPort()) ?? 0
        context.seed = seed
        var agentHost: (any AgentUnderTest)?
        if record.runErrors.isEmpty {
            do {
                for f in scenario.files { try f.write(into: workdir, context: context) }
                let text = try ConfigTemplate.render(scenario.agent, context: context, extraOverrides: overrides)
                try? text.write(toFile: (workdir as NSString).appendingPathComponent("agent.conf"), atomically: true, encoding: .utf8)
                let host: any AgentUnderTest
                var intended: ForwarderSettings?
                switch options.agentMode {
                case .inProcess:
                    let resolver: (any AddressResolver)? = try dns.map { try CAresResolver(nameserverHost: "127.0.0.1", port: $0.port) }
                    let inProcess = try AgentHost(configText: text, source: "agent.conf", seed: seed, clock: clock, log: logSink,
                                                  resolver: resolver, mutant: options.mutant,
                                                  wireInputPort: scenario.load.needsWireInput ? try PortAllocator.freeTCPPort() : nil)
                    intended = inProcess.intendedForwarder
                    host = inProcess
                case .process:
                    host = try AgentProcessHost(configText: text, seed: seed, clock: clock, log: logSink,
                                                executable: options.executablePath ?? Self.currentExecutable, workdir: workdir,
                                                inputPort: try PortAllocator.freeTCPPort(),
                                                dnsResolver: dns.map { "127.0.0.1:\($0.port)" })
                case let .fluentd(installation):
                    host = try FluentdAgentHost(configText: text, installation: installation, clock: clock, workdir: workdir,
                                                inputPort: try PortAllocator.freeTCPPort(), nameserver: dns?.host)
                }
                resources.setAgent(host)
                agentHost = host
                let f = host.settings.forwarder
                record.heartbeatInterval = f.heartbeatInterval
                record.heartbeatType = f.heartbeatType.rawValue
                record.phiThreshold = f.phiThreshold
                record.phiFailureDetector = f.phiFailureDetector
                record.hardTimeout = f.hardTimeout
                record.ackResponseTimeout = f.ackResponseTimeout
                record.ackCheckInterval = f.ackCheckInterval
                record.flushThreadInterval = host.settings.flushThreadInterval
                if let mutant = options.mutant {
                    record.mutant = mutant.rawValue
                    if let intended {
                        record.intendedDetector = .init(heartbeatInterval: intended.heartbeatInterval, phiThreshold: intended.phiThreshold,
                                                        phiFailureDetector: intended.phiFailureDetector, hardTimeout: intended.hardTimeout)
                    }
                }
                try await host.start()
                if clock.scale == 1 {
                    // t = 0 is when the agent is ready, whatever its start-up time (docs/scenarios.md, "The run clock").
                    clock.startNow()
                    record.startedWallNanos = clock.originWallNanos
                    record.startedMonotonicNanos = clock.originNanos
                }
            } catch {
                record.runErrors.append("agent did not start: \(ConfigTemplate.relocate("\(error)", scenario.agent))")
            }
        }

        if let agentHost, record.runErrors.isEmpty {
            let load = LoadDriver(spec: scenario.load, clock: clock)
            let schedule = ScheduleResolver.resolve(scenario.timeline, seed: seed)
            let progress = options.progress ? ProgressReporter(name: scenario.name, total: scenario.activeDuration + scenario.drain, clock: clock) : nil
            let progressTask = progress.map { p in Task { await p.run(delivered: { receivers.deliveredCount() }) } }
            let steps = NIOLockedValueBox<[TimelineEntry]>([])
            async let loadDone: Void = load.run(agent: agentHost)
            async let timelineDone: Void = Self.runTimeline(schedule, scenario: scenario, clock: clock, receivers: receivers,
                                                            agent: agentHost, dns: dns, partitions: partitions, steps: steps,
                                                            files: (workdir, context))
            _ = await (loadDone, timelineDone)
            await clock.sleep(until: scenario.activeDuration)

            // Drain: flush, then wait (bounded) until every accepted event arrived somewhere.
            let accepted = Set(load.result.acceptedSequences)
            let deadline = clock.now + scenario.drain
            // Started, not awaited: a process agent gets SIGUSR1, which returns at once, so the in-process agent's
            // force_flush loop must not hold the drain either (it runs while chunks are queued, and with a node that
            // never acks they keep coming back): both sides are then stopped once everything arrived somewhere.
            let drainFlush: Task<Void, Never>? = agentHost.isRunning
                ? Task { await agentHost.flush(timeout: max(0.1, min(2, scenario.drain))) } : nil
            var polls = 0
            while clock.now < deadline, polls < 10_000 {
                polls += 1
                if accepted.isSubset(of: receivers.deliveredSequences()) { break }
                try? await Task.sleep(nanoseconds: 100_000_000)
            }
            await agentHost.stop(drainTimeout: 1)
            await drainFlush?.value
            progressTask?.cancel()
            progress?.finish()
            record.steps = steps.withLockedValue { $0 }
            // A step that could not be carried out means the run did not test what the scenario says it tests.
            for step in record.steps {
                if let error = step.error {
                    record.runErrors.append("timeline step '\(step.id)' at \(String(format: "%.3f", step.planned)) s failed"
                        + " (ran at \(String(format: "%.3f", step.time)) s): \(error)")
                }
            }
            let lf = load.result
            record.load.offered = lf.offered
            record.load.accepted = lf.accepted
            record.load.overflow = lf.overflow
            record.load.agentDown = lf.agentDown
            record.load.acceptedSequences = lf.acceptedSequences
            record.load.acceptedPerSecond = lf.acceptedPerSecond
        }
        record.duration = clock.now

        // Teardown, then collect.
        await resources.teardown(partitions: partitions)
        if let capture {
            record.captureClock = capture.stop().clock
            do {
                let o = WireAnalyzer.Options(serverPorts: Set(ports.values.map { UInt16($0) }))
                record.wire = try WireAnalyzer.inspect(path: capturePath, options: o)
            } catch {
                record.captureNote = "capture taken but not readable: \(error)"
            }
        }
        record.deliveries = receivers.deliveries(clock: clock)
        for spec in scenario.receivers { record.observations[spec.name] = receivers.observations(of: spec.name) }
        record.deliveries.sort { $0.time < $1.time }
        record.faultLog = receivers.faultLogRecords(clock: clock)
        if let agentHost {
            let observed = agentHost.observations
            record.agentEvents = observed.events
            record.phiSamples = observed.phiSamples
            record.secondaryChunks = observed.secondaryChunks
            record.observableEvents = observed.observable
            record.agentLabel = observed.host
        }
        record.agentLog = logSink.text + (agentHost?.logText ?? "")
        if let unreadable = agentHost?.observations.unreadable, !unreadable.isEmpty {
            record.agentLog += "\n" + unreadable.map { "fwdlab: " + $0 }.joined(separator: "\n")
        }
        return record
    }

    static func runTimeline(_ schedule: [(step: TimelineStep, at: Double)], scenario: Scenario, clock: RunClock,
                            receivers: any ScenarioReceivers, agent: any AgentUnderTest, dns: ScenarioDNS?, partitions: PartitionTable,
                            steps: NIOLockedValueBox<[TimelineEntry]>, files: (directory: String, context: PlaceholderContext)? = nil) async {
        for (step, at) in schedule {
            await clock.sleep(until: at)
            if Task.isCancelled { return }
            let t = clock.now
            var error: String?
            var result: String?
            do {
                result = try await apply(step, receivers: receivers, agent: agent, dns: dns, partitions: partitions, files: files)
            } catch let e {
                error = "\(e)"
            }
            var entry = TimelineEntry(time: t, planned: at, id: step.id, kind: step.action.kind, receiver: step.action.receiver,
                                      summary: step.action.summary, error: error)
            entry.completed = clock.now
            entry.result = result
            steps.withLockedValue { $0.append(entry) }
        }
    }

    /// Carries out one step; returns what it answered (an `rpc:` step sent to the RPC endpoint: `STATUS BODY`).
    /// Receiver steps go through the receivers' one lifecycle: `crash`/`pause` install a fault named after the
    /// step, `restart`/`resume` remove every such fault, `apply`/`remove` add and remove any catalogue fault.
    @discardableResult
    static func apply(_ step: TimelineStep, receivers: any ScenarioReceivers, agent: any AgentUnderTest, dns: ScenarioDNS?,
                      partitions: PartitionTable, files: (directory: String, context: PlaceholderContext)? = nil) async throws -> String? {
        switch step.action {
        case let .applyFault(r, spec): try await receivers.addFault(spec, to: r)
        case let .removeFault(r, name): try await receivers.removeFault(name, from: r)
        case let .crash(r): try await receivers.crash(r, name: step.id)
        case let .restart(r): try await receivers.restart(r)
        case let .pause(r): try await receivers.pause(r, name: step.id)
        case let .resume(r): try await receivers.resume(r)
        case let .dns(change):
            guard let dns else { throw ScenarioRunError.environment("no DNS server") }
            try dns.apply(change)
        case let .partition(r): try partitions.partition(port: try await receivers.port(of: r))
        case let .heal(r): try partitions.heal(port: try await receivers.port(of: r))
        case .killAgent: await agent.kill()
        case .stopAgent: await agent.terminate()
        case .restartAgent: try await agent.start()
        case let .rpc(method):
            // With an RPC endpoint the step is the HTTP call (its answer recorded); without one, the signal.
            if let endpoint = agent.rpcEndpoint {
                guard agent.isRunning else { throw ScenarioRunError.agent("rpc \(method): the agent is not running") }
                let path = method == "flush" ? "/api/plugins.flushBuffers" : "/api/config.gracefulReload"
                let answer = try await RPCClient.post(host: endpoint.host, port: endpoint.port, path: path, timeout: 40)
                guard (200..<300).contains(answer.status) else {
                    throw ScenarioRunError.agent("rpc \(method): \(path) answered \(answer.status) \(answer.body)")
                }
                return "\(answer.status) \(answer.body)"
            }
            if method == "flush" { await agent.flush(timeout: 5) } else { try await agent.reload() }
        case .mark:
            break
        case let .writeFile(f):
            guard let files else { throw ScenarioRunError.environment("file \(f.name): no working directory") }
            try f.write(into: files.directory, context: files.context)
        }
        return nil
    }
}
