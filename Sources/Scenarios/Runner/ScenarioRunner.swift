import Agent
import Capture
import Foundation
import NIOConcurrencyHelpers
import Simulator

/// Runs one scenario end to end: receivers (and DNS server, capture, partitions) up, agent started, numbered
/// load driven in, the timeline applied on the run clock, then drain, teardown, evaluation and the report.
public struct ScenarioRunner: Sendable {
    public let options: RunOptions

    public init(options: RunOptions = RunOptions()) { self.options = options }

    /// This program (for `--agent process`, which starts `<self> agent -c FILE`).
    static var currentExecutable: String {
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
    public static func skipReason(_ scenario: Scenario, options: RunOptions) -> String? {
        if case let .pending(reason) = scenario.status { return "pending: \(reason)" }
        var needs = Set(scenario.requires)
        if scenario.timeline.contains(where: { if case .partition = $0.action { true } else { false } }) {
            needs.formUnion([.root, .nft])
        }
        if needs.contains(.root), getuid() != 0 { return "needs root (nftables partitions / live capture); run as root to include it" }
        if needs.contains(.nft), !PartitionTable.isAvailable { return "needs the nft binary (apt-get install nftables)" }
        if case .fluentd = options.agentMode, !scenario.dns.isEmpty, getuid() != 0 {
            return "real Fluentd resolves names through the system resolver; pointing it at the scenario's DNS server needs root (a mount namespace with its own resolv.conf, docs/fluentd-host.md)"
        }
        if let problem = scenario.timeScaleProblem(Self.effectiveTimeScale(scenario, options: options)) {
            return problem
        }
        return nil
    }

    /// Runs and evaluates; writes the report when `options.outDirectory` is set. Never throws: problems become a
    /// failed verdict with the reason.
    public func run(_ scenario: Scenario) async -> ScenarioResult {
        let started = Date()
        let seed = options.seed ?? scenario.seed
        var result = ScenarioResult(scenario: scenario.name, path: scenario.sourcePath, seed: seed, verdict: .skipped)
        if let reason = Self.skipReason(scenario, options: options) {
            result.reason = reason
            result.expectations = scenario.expectations.map {
                ExpectationResult(key: $0.kind.key, statement: $0.statement, status: .skip, measured: "-", message: "scenario skipped", line: $0.line)
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
        if !record.runErrors.isEmpty {
            result.verdict = .failed
            result.reason = record.runErrors.joined(separator: "; ")
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
        let faultLog = FaultLog()
        let logSink = AgentLogSink(clock: clock)
        let runID = "\(getpid())\(UInt32.random(in: 0 ... .max))"
        let partitions = PartitionTable(runID: runID)
        let resources = RunResources()
        let cleanupToken = CleanupRegistry.shared.register { await resources.teardown(partitions: partitions) }
        defer { CleanupRegistry.shared.unregister(cleanupToken) }

        // Receivers. With DNS in play they share one port on distinct loopback addresses (a DNS name has one port).
        var tls: ReceiverTLSSettings?
        var tlsCA = ""
        var tlsMaterial: TLSMaterial?
        if scenario.receivers.contains(where: \.tls) || scenario.usesTLSFaults {
            do {
                let material = try TLSMaterial(directory: (workdir as NSString).appendingPathComponent("tls"))
                tlsMaterial = material
                let (cert, key) = try material.validServer(name: "receiver")
                tls = ReceiverTLSSettings(certPath: cert, privateKeyPath: key)
                tlsCA = material.caPath
            } catch {
                record.runErrors.append("TLS material: \(error)")
                return record
            }
        }
        var hosts: [ReceiverHost] = []
        var sharedPort = 0
        for (i, spec) in scenario.receivers.enumerated() {
            let host = ReceiverHost(spec: spec, seed: seed &+ UInt64(i), faultLog: faultLog, clock: clock,
                                    sequenceField: scenario.load.sequenceField, tls: spec.tls ? tls : nil,
                                    port: scenario.dns.isEmpty ? 0 : sharedPort, tlsMaterial: tlsMaterial)
            hosts.append(host)
            resources.add(host)
            for f in spec.faults {
                do {
                    if f.kind == TLSFault.kind { try await host.applyTLSFault(f) } else { try host.applyFault(f) }
                } catch {
                    record.runErrors.append("\(spec.name): fault \(f.name): \(error)")
                }
            }
            do {
                // A receiver that "does not start" still needs a port the agent can be pointed at.
                try await host.start()
                if !spec.startsUp { await host.crash() }
            } catch {
                record.runErrors.append("cannot start receiver \(spec.name): \(error)")
            }
            if !scenario.dns.isEmpty, sharedPort == 0 { sharedPort = host.port }
        }
        let hostByName = Dictionary(uniqueKeysWithValues: hosts.map { ($0.spec.name, $0) })
        for h in hosts {
            record.ports[h.spec.name] = h.port
            record.binds[h.spec.name] = h.spec.bind
        }
        guard record.runErrors.isEmpty else {
            await resources.teardown(partitions: partitions)
            return record
        }

        // DNS server.
        var dns: ScenarioDNS?
        if !scenario.dns.isEmpty {
            do {
                if case .fluentd = options.agentMode {
                    // Fluentd asks the system resolver, which only speaks to port 53: the server gets a loopback
                    // address of its own on port 53, named in the resolv.conf of Fluentd's mount namespace.
                    dns = try await ScenarioDNS.start(scenario.dns, binds: record.binds,
                                                      host: "127.53.\(UInt8.random(in: 1 ... 254)).\(UInt8.random(in: 1 ... 254))", port: 53)
                } else {
                    dns = try await ScenarioDNS.start(scenario.dns, binds: record.binds)
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
                let c = try LiveCapture(options: LiveCaptureOptions(interface: "lo", ports: hosts.map { UInt16($0.port) }, outputPath: capturePath))
                try c.start()
                capture = c
                resources.setCapture(c)
            } catch {
                record.captureNote = "no capture: \(error)"
            }
        }

        // Agent.
        var context = PlaceholderContext()
        for h in hosts {
            context.receivers[h.spec.name] = (h.spec.bind, h.port)
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
                let text = try ConfigTemplate.render(scenario.agent, context: context, extraOverrides: overrides)
                try? text.write(toFile: (workdir as NSString).appendingPathComponent("agent.conf"), atomically: true, encoding: .utf8)
                let host: any AgentUnderTest
                switch options.agentMode {
                case .inProcess:
                    let resolver: (any AddressResolver)? = try dns.map { try CAresResolver(nameserverHost: "127.0.0.1", port: $0.port) }
                    host = try AgentHost(configText: text, source: "agent.conf", seed: seed, clock: clock, log: logSink, resolver: resolver)
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
                record.flushThreadInterval = host.settings.flushThreadInterval
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
            let allHosts = hosts
            let progressTask = progress.map { p in Task { await p.run(delivered: { allHosts.reduce(0) { $0 + $1.ledgers.reduce(0) { $0 + $1.count } } }) } }
            let steps = NIOLockedValueBox<[TimelineEntry]>([])
            async let loadDone: Void = load.run(agent: agentHost)
            async let timelineDone: Void = Self.runTimeline(schedule, scenario: scenario, clock: clock, hosts: hostByName,
                                                            agent: agentHost, dns: dns, partitions: partitions, steps: steps)
            _ = await (loadDone, timelineDone)
            await clock.sleep(until: scenario.activeDuration)

            // Drain: flush, then wait (bounded) until every accepted event arrived somewhere.
            let accepted = Set(load.result.acceptedSequences)
            let deadline = clock.now + scenario.drain
            if agentHost.isRunning { await agentHost.flush(timeout: max(0.1, min(2, scenario.drain))) }
            var polls = 0
            while clock.now < deadline, polls < 10_000 {
                polls += 1
                var seen = Set<Int64>()
                for h in hosts { for l in h.ledgers { for s in l.sequenceNumbers() { if let s { seen.insert(s) } } } }
                if accepted.isSubset(of: seen) { break }
                try? await Task.sleep(nanoseconds: 100_000_000)
            }
            await agentHost.stop(drainTimeout: 1)
            progressTask?.cancel()
            progress?.finish()
            record.steps = steps.withLockedValue { $0 }
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
                let o = WireAnalyzer.Options(serverPorts: Set(hosts.map { UInt16($0.port) }))
                record.wire = try WireAnalyzer.inspect(path: capturePath, options: o)
            } catch {
                record.captureNote = "capture taken but not readable: \(error)"
            }
        }
        for h in hosts {
            for ledger in h.ledgers {
                for e in ledger.events() {
                    record.deliveries.append(Delivery(time: clock.seconds(monotonicNanos: e.arrivalMonotonicNanos), receiver: h.spec.name,
                                                      seq: e.seq, chunk: e.chunkID, request: e.requestIndex))
                }
            }
            record.observations[h.spec.name] = h.observations
        }
        record.deliveries.sort { $0.time < $1.time }
        record.faultLog = faultLog.entries().map {
            FaultLogEntryRecord(time: clock.seconds(monotonicNanos: $0.monotonicNanos), receiver: $0.receiver, fault: $0.fault,
                                kind: $0.kind, hook: $0.hook, decision: $0.decision, note: $0.note)
        }
        if let agentHost {
            let observed = agentHost.observations
            record.agentEvents = observed.events
            record.phiSamples = observed.phiSamples
            record.secondaryChunks = observed.secondaryChunks
            record.observableEvents = observed.observable
            record.agentLabel = observed.host
        }
        record.agentLog = logSink.text + (agentHost?.logText ?? "")
        return record
    }

    static func runTimeline(_ schedule: [(step: TimelineStep, at: Double)], scenario: Scenario, clock: RunClock,
                            hosts: [String: ReceiverHost], agent: any AgentUnderTest, dns: ScenarioDNS?, partitions: PartitionTable,
                            steps: NIOLockedValueBox<[TimelineEntry]>) async {
        for (index, (step, at)) in schedule.enumerated() {
            await clock.sleep(until: at)
            if Task.isCancelled { return }
            let t = clock.now
            var error: String?
            var result: String?
            do {
                result = try await apply(step.action, hosts: hosts, agent: agent, dns: dns, partitions: partitions, clock: clock,
                                         resumeAt: nextResume(after: index, schedule: schedule, receiver: step.action.receiver))
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

    /// A pause holds I/O until the matching resume step (the receiver emulates SIGSTOP by stalling until then).
    static func nextResume(after index: Int, schedule: [(step: TimelineStep, at: Double)], receiver: String?) -> Double {
        for (step, at) in schedule.dropFirst(index + 1) {
            if case let .resume(r) = step.action, r == receiver { return at }
        }
        return .greatestFiniteMagnitude / 4
    }

    /// Carries out one step; returns what it answered (an `rpc:` step sent to the RPC endpoint: `STATUS BODY`).
    @discardableResult
    static func apply(_ action: ScenarioAction, hosts: [String: ReceiverHost], agent: any AgentUnderTest, dns: ScenarioDNS?,
                      partitions: PartitionTable, clock: RunClock, resumeAt: Double) async throws -> String? {
        func host(_ name: String) throws -> ReceiverHost {
            guard let h = hosts[name] else { throw ScenarioRunError.receiver("no receiver \(name)") }
            return h
        }
        switch action {
        case let .applyFault(r, spec):
            let h = try host(r)
            // Receiver-wide effects the controller would apply; the runner owns the receivers, so it applies them.
            switch spec.kind {
            case "crash", "refuse": await h.crash()
            case "pause": h.hooks.pause(until: resumeAt)
            case TLSFault.kind: try await h.applyTLSFault(spec)
            default: try h.applyFault(spec)
            }
        case let .removeFault(r, name):
            let h = try host(r)
            if h.tlsFaultName == name {
                try await h.clearTLSFault()
            } else if (try? h.engine.status(name)) != nil {
                try h.removeFault(name)
            } else if !h.isRunning {
                try await h.start()
            } else {
                h.hooks.resume()
            }
        case let .crash(r): try await host(r).crash()
        case let .restart(r): try await host(r).start()
        case let .pause(r): try host(r).hooks.pause(until: resumeAt)
        case let .resume(r): try host(r).hooks.resume()
        case let .dns(change):
            guard let dns else { throw ScenarioRunError.environment("no DNS server") }
            try dns.apply(change)
        case let .partition(r): try partitions.partition(port: try host(r).port)
        case let .heal(r): try partitions.heal(port: try host(r).port)
        case .killAgent: await agent.kill()
        case .stopAgent: await agent.terminate()
        case .restartAgent: try await agent.start()
        case let .rpc(method):
            // With an RPC endpoint the step is the HTTP call (its answer recorded); without one, the signal.
            if let endpoint = agent.rpcEndpoint {
                guard agent.isRunning else { throw ScenarioRunError.agent("rpc \(method): the agent is not running") }
                let path = method == "flush" ? "/api/plugins.flushBuffers" : "/api/config.gracefulReload"
                let answer = try await RPCClient.post(host: endpoint.host, port: endpoint.port, path: path, timeout: 40)
                return "\(answer.status) \(answer.body)"
            }
            if method == "flush" { await agent.flush(timeout: 5) } else { try await agent.reload() }
        case .mark:
            break
        }
        return nil
    }
}
