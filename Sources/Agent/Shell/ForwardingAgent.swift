import Atomics
import NIOConcurrencyHelpers
import ForwardProtocol
import Logging
import NIOCore
import NIOPosix

/// The forwarding agent: inputs append into the buffer, one out_forward output relays it (Fluentd v1.16 behaviour by
/// default). Start it, feed it with `emit`, stop it; `run()` waits until stopped. Used in-process by tests, the bench
/// and `fwdlab agent`.
public final class ForwardingAgent: EventBatchSink, Sendable {
    /// The settings it runs (after the last reload).
    public let initialSettings: AgentRuntimeSettings
    public let clock: any AgentClock
    public let buffer: AgentBuffer
    let shell: ForwardOutputShell
    let hub: AgentEventHub
    private let threadPool: NIOThreadPool
    private let stopped: EventLoopPromise<Void>
    private let stopping = ManagedAtomic<Bool>(false)
    /// The output's emit metrics (monitor_agent; output.rb `emit_buffered`): every emit counts once, however long a
    /// blocked one waits; records count once stored; an overflow counts as an error.
    private let emitCount = ManagedAtomic<Int>(0)
    private let emitRecords = ManagedAtomic<Int>(0)
    private let emitErrors = ManagedAtomic<Int>(0)
    /// How long an input waits before offering events again under overflow_action block. Fluentd sleeps 1 s between
    /// checks; 100 ms keeps the same semantics with less idle time.
    public static let blockRetryInterval = TimeAmount.milliseconds(100)
    /// The running configuration's masked text (`config.dump`), set by the caller that built the settings.
    let configurationText = NIOLockedValueBox("")

    /// The event stream (one consumer; events from the first access on): node transitions, standby promotion, chunk lifecycle, retries.
    public var events: AsyncStream<AgentEventRecord> { hub.stream }

    private init(settings: AgentRuntimeSettings, clock: any AgentClock, buffer: AgentBuffer, shell: ForwardOutputShell,
                 hub: AgentEventHub, threadPool: NIOThreadPool) {
        self.initialSettings = settings
        self.clock = clock
        self.buffer = buffer
        self.shell = shell
        self.hub = hub
        self.threadPool = threadPool
        self.stopped = shell.loop.makePromise(of: Void.self)
    }

    /// Configures and starts the agent: opens the buffer (recovering a file buffer's chunks), resolves nodes, verifies
    /// connections if asked, starts heartbeats and flushing. Throws Fluentd's configure/startup errors.
    /// `phiSamples` adds a `phi_sample` event per available node at every heartbeat tick (the phi that tick evaluated).
    /// `timeScale` is real seconds per second of `clock`: with a clock running 1/k as fast and `timeScale` k, every
    /// timer and timeout runs k times as long in real time, so the agent behaves as unscaled in clock time
    /// (scenarios' time_scale). 1 for real use.
    public static func start(configuration: AgentRuntimeSettings,
                             eventLoopGroup: any EventLoopGroup,
                             clock: any AgentClock = SystemClock(),
                             logger: Logger = Logger(label: "fwdlab.agent"),
                             eventSink: (@Sendable (AgentEventRecord) -> Void)? = nil,
                             eventFile: String? = nil,
                             resolver: (any AddressResolver)? = nil,
                             phiSamples: Bool = false,
                             timeScale: Double = 1) async throws -> ForwardingAgent {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        do {
            let hub = try AgentEventHub(clock: clock, logger: logger, sink: eventSink, jsonLinesPath: eventFile)
            let store: any ChunkStore
            switch configuration.bufferStorage {
            case .memory: store = MemoryChunkStore()
            case .file(let path): store = try FileChunkStore(directory: path, compression: configuration.compression)
            }
            var seeder = configuration.forwarder.seed.map(SeededRandom.init(seed:)) ?? SeededRandom.fromSystem()
            let buffer = AgentBuffer(settings: configuration.buffer, store: store, compression: configuration.compression,
                                     timeAsInteger: configuration.timeAsInteger, rng: SeededRandom(seed: seeder.next()))
            let recovered = store.recover()
            if let fileStore = store as? FileChunkStore {
                for l in fileStore.recoveryLogs { hub.log(l) }
            }
            if !recovered.isEmpty {
                let (n, logs) = buffer.restore(recovered, now: clock.now)
                for l in logs { hub.log(l) }
                hub.log(.info, "resumed \(n) buffer chunks from \(RubyInspect.string(configurationPath(configuration)))")
                hub.emit(event: .bufferResumed, detail: "chunks=\(n)")
            }
            let loop = eventLoopGroup.next()
            let shell = try ForwardOutputShell(loop: loop, settings: configuration, clock: clock, hub: hub, buffer: buffer,
                                               resolver: resolver ?? SystemAddressResolver(threadPool: threadPool),
                                               threadPool: threadPool, phiSamples: phiSamples, timeScale: timeScale)
            let agent = ForwardingAgent(settings: configuration, clock: clock, buffer: buffer, shell: shell, hub: hub, threadPool: threadPool)
            do {
                try await shell.start().get()
            } catch {
                try? await shell.stop(flush: false, drainTimeout: 0).get()
                buffer.close()
                hub.finish()
                agent.stopped.succeed(())
                throw error
            }
            if buffer.hasQueued { shell.wakeFromInput() }
            return agent
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    private static func configurationPath(_ s: AgentRuntimeSettings) -> String {
        if case .file(let p) = s.bufferStorage { return p }
        return "memory"
    }

    /// Waits until `stop()` completed.
    public func run() async {
        try? await stopped.futureResult.get()
    }

    // MARK: - Inputs (EventBatchSink)

    /// Appends one event (record already MessagePack-encoded as a map). Hot path: no allocation per event once the
    /// chunk buffer has grown. Throws `AgentEmitError.bufferOverflow` (throw_exception / drop failures) or
    /// `.mustWait` (overflow_action block: call `emitWaiting`).
    public func emit(tag: String, time: EventTime, record: ByteBuffer) throws(AgentEmitError) {
        guard !stopping.load(ordering: .relaxed), shell.acceptsEmits.load(ordering: .relaxed) else { throw .stopped }
        try handle(buffer.append(tag: tag, time: time, record: record, now: clock.now), records: 1)
    }

    /// Appends pre-encoded entries (concatenated `[time, record]`; e.g. a received PackedForward blob) counting
    /// `count` records, as one buffer append.
    public func emit(tag: String, entries: ByteBuffer, count: Int) throws(AgentEmitError) {
        guard !stopping.load(ordering: .relaxed), shell.acceptsEmits.load(ordering: .relaxed) else { throw .stopped }
        try handle(buffer.appendEncoded(tag: tag, entries: entries, count: count, now: clock.now), records: count)
    }

    /// Like `emit(tag:entries:count:)` but, with overflow_action block, waits until the buffer has room
    /// (Fluentd sleeps 1 s between checks; this polls every 100 ms).
    public func emitWaiting(tag: String, entries: ByteBuffer, count: Int) async throws(AgentEmitError) {
        while true {
            do {
                try emit(tag: tag, entries: entries, count: count)
                return
            } catch .mustWait {
                try? await Task.sleep(nanoseconds: UInt64(Self.blockRetryInterval.nanoseconds))
            }
        }
    }

    private func handle(_ outcome: AgentBuffer.AppendOutcome, records: Int) throws(AgentEmitError) {
        switch outcome {
        case .stored:
            emitCount.wrappingIncrement(ordering: .relaxed)
            emitRecords.wrappingIncrement(by: records, ordering: .relaxed)
        case .overflow:
            emitCount.wrappingIncrement(ordering: .relaxed)
            emitErrors.wrappingIncrement(ordering: .relaxed)
        case .mustWait:
            break
        }
        switch outcome {
        case .stored(_, let queued):
            // emit_buffered: every emit that leaves a chunk queued offers a flush thread a wake-up.
            if queued { shell.wakeFromInput() }
        case .overflow:
            logBufferWarnings()
            throw .bufferOverflow
        case .mustWait:
            logBufferWarnings()
            throw .mustWait
        }
    }

    private func logBufferWarnings() {
        for l in buffer.drainLogs() { hub.log(l) }
        hub.emit(event: .bufferOverflow)
    }

    // MARK: - Control (AgentControl)

    /// Force-flush (SIGUSR1, `/api/plugins.flushBuffers`): enqueue all staged chunks and flush; returns when the
    /// queue drained, a retry wait began, or `timeout` passed.
    public func flush(timeout: Double = 60) async {
        try? await shell.flushAll(timeout: timeout).get()
    }

    /// Graceful reload of the output settings (SIGUSR2, `/api/config.gracefulReload`).
    public func reload(_ settings: AgentRuntimeSettings) async throws {
        try await performReload(prepareReload(settings))
    }

    /// A reload's configure step alone (docs/control-path.md, "Reload"): throws, leaving the output untouched, when
    /// `settings` would not start. A process with several outputs checks them all before it stops any.
    public func prepareReload(_ settings: AgentRuntimeSettings) async throws -> PreparedReload {
        PreparedReload(agent: self, shell: try await shell.prepareReload(settings).get())
    }

    /// The rest of the reload: the old output's shutdown, `reloaded`, the new output's start.
    public func performReload(_ prepared: PreparedReload) async throws {
        precondition(prepared.agent === self, "a prepared reload belongs to the agent that prepared it")
        try await shell.performReload(prepared.shell).get()
    }

    /// What `prepareReload` checked, for `performReload`.
    public struct PreparedReload: Sendable {
        let agent: ForwardingAgent
        let shell: ForwardOutputShell.PreparedReload
    }

    /// Graceful stop: flush per flush_at_shutdown (or `flush` when given), roll back what is not committed, close
    /// everything. Idempotent.
    public func stop(flush: Bool? = nil, drainTimeout: Double = 30) async {
        guard stopping.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            await run()
            return
        }
        let doFlush = flush ?? initialSettings.buffer.flushAtShutdown
        // When the stop begins, as Fluentd logs "fluentd worker is now stopping": what shutdown decides is timed from it.
        hub.emit(event: .stopped)
        try? await shell.stop(flush: doFlush, drainTimeout: drainTimeout).get()
        buffer.close()
        hub.finish()
        try? await threadPool.shutdownGracefully()
        stopped.succeed(())
    }

    /// Records the configuration text `dumpConfig()` returns (secrets already masked by the config layer).
    public func setConfigurationText(_ text: String) { configurationText.withLockedValue { $0 = text } }

    // MARK: - Status

    /// Buffer counts.
    public var bufferStats: AgentBuffer.Stats { buffer.stats }

    /// Shell counters (sent/committed/rolled back chunks, connections opened, heartbeat rounds).
    public func counters() async -> ForwardingAgentCounters {
        let c = try? await shell.loop.submit { self.shell.counters }.get()
        return ForwardingAgentCounters(c ?? .init())
    }

    /// What monitor_agent reports for the forward output (docs/agent-parameters.md, "`<source> @type monitor_agent`").
    public func outputMonitor() async -> OutputMonitorFigures {
        let shellFigures = try? await shell.loop.submit { self.shell.monitorFigures() }.get()
        var f = shellFigures ?? OutputMonitorFigures()
        let b = buffer.stats
        f.bufferQueueLength = b.queuedChunks
        f.bufferStageLength = b.stagedChunks
        f.bufferStageByteSize = b.stageBytes
        f.bufferQueueByteSize = b.queueBytes
        f.bufferTotalLimitSize = buffer.settings.effectiveTotalLimitSize
        f.emitCount = emitCount.load(ordering: .relaxed)
        f.emitRecords = emitRecords.load(ordering: .relaxed)
        f.retryCount += emitErrors.load(ordering: .relaxed)
        return f
    }

    /// The agent's own phi for `node` now (its detector, as a heartbeat tick would evaluate it); nil while the node is
    /// out of the rotation (Fluentd does not evaluate phi then) or for an unknown index.
    public func phi(node: Int) async -> Double? {
        (try? await shell.loop.submit { () -> Double? in
            let core = self.shell.core
            return core.isAvailable(node) ? core.phi(node) : nil
        }.get()) ?? nil
    }

    /// Every node of the running configuration: its label, phi (nil while out of the rotation), availability, state
    /// and the core's latency figures (docs/agent-parameters.md, "Monitoring with Prometheus").
    public func nodeMonitor() async -> [NodeMonitorFigures] {
        (try? await shell.loop.submit { () -> [NodeMonitorFigures] in
            let core = self.shell.core
            let f = core.settings
            // Registered nodes only: one that service discovery took out is no longer a node of the output.
            return core.members.map { i in
                let n = core.nodes[i]
                return NodeMonitorFigures(label: n.label, phi: core.isAvailable(i) ? core.phi(i) : nil, available: core.isAvailable(i),
                                   state: core.state(i), latency: core.latency.indices.contains(i) ? core.latency[i] : NodeLatency(),
                                   measuresHeartbeats: f.heartbeatType != .none, measuresAcks: f.requireAckResponse)
            }
        }.get()) ?? []
    }

    /// Whether the core currently regards `node` as available.
    public func isNodeAvailable(_ node: Int) async -> Bool {
        (try? await shell.loop.submit { self.shell.core.isAvailable(node) }.get()) ?? false
    }
}

/// Why an emit was refused.
public enum AgentEmitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// BufferOverflowError "buffer space has too many data".
    case bufferOverflow
    /// overflow_action block: the caller must wait and retry.
    case mustWait
    /// The agent is stopping.
    case stopped

    public var description: String {
        switch self {
        case .bufferOverflow: "buffer space has too many data"
        case .mustWait: "buffer is full; waiting (overflow_action block)"
        case .stopped: "agent is stopping"
        }
    }
}

/// Output counters, for status, tests and benchmarks.
public struct ForwardingAgentCounters: Sendable, Equatable {
    public var chunksSent: Int
    public var chunksCommitted: Int
    public var chunksRolledBack: Int
    public var connectionsOpened: Int
    public var heartbeatRounds: Int
    public var flushFailures: Int
    public var chunksToSecondary: Int

    init(_ c: ForwardOutputShell.Counters) {
        chunksSent = c.chunksSent
        chunksCommitted = c.chunksCommitted
        chunksRolledBack = c.chunksRolledBack
        connectionsOpened = c.connectionsOpened
        heartbeatRounds = c.heartbeatRounds
        flushFailures = c.flushFailures
        chunksToSecondary = c.chunksToSecondary
    }
}
