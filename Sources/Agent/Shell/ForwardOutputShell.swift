import Atomics
import Foundation
import ForwardProtocol
import NIOCore
import NIOPosix

/// The thin SwiftNIO shell around `ForwarderCore` (out_forward's nodes, heartbeats and acks) and `OutputCore`
/// (output.rb's flush threads, retries, `<secondary>` and delayed commits), in the SWIMNIOShell pattern: it fires
/// the timers the cores arm, moves bytes, reports what happened as events and executes the returned directives.
///
/// `@unchecked Sendable` is safe: every mutable property is touched only on `loop` (entry points hop there and
/// assert); the only cross-thread member, `wakePending`, is atomic.
final class ForwardOutputShell: @unchecked Sendable {
    let loop: EventLoop
    private(set) var settings: AgentRuntimeSettings
    let clock: any AgentClock
    let hub: AgentEventHub
    let buffer: AgentBuffer
    let resolver: any AddressResolver
    let threadPool: NIOThreadPool
    private(set) var core: ForwarderCore
    private(set) var output: OutputCore
    private var connector: NodeConnector
    private var cache: SocketCache
    private var secondary: SecondaryFileOutput?
    /// Connections waiting for an ack, by connection id.
    private var awaitingAck: [UInt64: NodeConnection] = [:]
    private var timers: [RepeatedTask] = []
    private var heartbeatTimer: Scheduled<Void>?
    /// The pending wake-up of each flush thread (`OutputDirective.armFlushThread`).
    private var flushThreadTimers: [Scheduled<Void>?] = []
    /// The `submit_flush_all` loop's sleep.
    private var flushAllTimer: Scheduled<Void>?
    /// The enqueue thread's next pass (`OutputDirective.armEnqueueThread`).
    private var enqueueTimer: Scheduled<Void>?
    /// The ack reader's current pass (`ForwarderDirective.armAckReader`).
    private var ackReaderTimer: Scheduled<Void>?
    /// Completed by `ForwarderDirective.lastAckDone` (the shutdown's final ack pass).
    private var lastAckPromise: EventLoopPromise<Void>?
    /// Bumped when a reload or stop replaces the output core: flushes started before answer to the old one.
    private var generation = 0
    /// The heartbeat timer's current run (one at a time; a tick during it is deferred).
    private var round = HeartbeatRound()
    /// What happens to connections (rebuilt from the settings, which a reload replaces).
    private var policy: ConnectionPolicy { settings.connectionPolicy }
    private var udp: Channel?
    private var udpHandler: UDPHeartbeatHandler?
    /// The dynamic `<service_discovery>` sources (file, srv), running while the output does.
    private var discovery: ServiceDiscoveryShell?
    /// What each SRV source answered at start (by its index in `settings.discovery`): its first nodes.
    private var srvInitial: [Int: [DiscoveredService]] = [:]
    private var stopped = false
    /// Ask the core for `phi_sample` events (kept across reloads, which build a new core).
    private let phiSamples: Bool
    /// Real seconds per second of `clock` (1 normally). A scenario run at time_scale k hands the agent a clock that
    /// runs 1/k times as fast; every timer and timeout derived from settings or clock readings is multiplied by k
    /// here so the core's decisions, in clock time, are those of an unscaled run.
    let timeScale: Double
    let wakePending = ManagedAtomic<Bool>(false)
    /// False while a reload's old output shuts down and the new one has not started: Fluentd's inputs are stopped
    /// then, so the agent refuses emits as a stopped input would (docs/control-path.md, "Reload").
    let acceptsEmits = ManagedAtomic<Bool>(true)

    /// Counters for status, tests and the bench.
    struct Counters: Sendable, Equatable {
        var chunksSent = 0
        var chunksCommitted = 0
        var chunksRolledBack = 0
        var connectionsOpened = 0
        var heartbeatRounds = 0
        var flushFailures = 0
        var chunksToSecondary = 0
        /// try_flush calls that took a chunk (write_count), milliseconds spent in the successful ones
        /// (flush_time_count) and how many were slow (slow_flush_count).
        var writes = 0
        var flushMilliseconds = 0
        var slowFlushes = 0
    }
    private(set) var counters = Counters()

    init(loop: EventLoop, settings: AgentRuntimeSettings, clock: any AgentClock, hub: AgentEventHub, buffer: AgentBuffer,
         resolver: any AddressResolver, threadPool: NIOThreadPool, phiSamples: Bool = false, timeScale: Double = 1) throws {
        self.loop = loop
        self.phiSamples = phiSamples
        self.timeScale = timeScale > 0 && timeScale.isFinite ? timeScale : 1
        self.settings = settings
        self.clock = clock
        self.hub = hub
        self.buffer = buffer
        self.resolver = resolver
        self.threadPool = threadPool
        var fw = settings.forwarder
        fw.requireAckResponse = settings.forwarder.requireAckResponse
        self.core = ForwarderCore(settings: fw, nodes: settings.nodes, clock: clock, identities: settings.identities)
        core.emitsPhiSamples = phiSamples
        // Jitter from the run's seed, so `fwdlab replay` with the same seed draws the same retry times.
        self.output = OutputCore(settings: Self.outputSettings(settings), clock: clock,
                                 rng: SeededRandom.stream(.retryJitter, seed: settings.forwarder.seed))
        self.connector = try NodeConnector(loop: loop, settings: Self.connectorSettings(settings, timeScale: self.timeScale))
        self.cache = SocketCache(keepaliveTimeout: settings.keepaliveTimeout)
        self.secondary = settings.secondary.map(SecondaryFileOutput.init(settings:))
    }

    /// The connector only turns connect_timeout and the handshake bound (hard_timeout or a fixed bound) into real
    /// timers, so under a time scale it gets those in real seconds.
    static func connectorSettings(_ s: AgentRuntimeSettings, timeScale: Double) -> AgentRuntimeSettings {
        guard timeScale != 1 else { return s }
        var c = s
        c.connectTimeout = s.connectTimeout.map { $0 * timeScale }
        c.forwarder.hardTimeout = s.forwarder.hardTimeout * timeScale
        if case .seconds(let b) = s.behaviour.handshakeTimeout { c.behaviour.handshakeTimeout = .seconds(b * timeScale) }
        return c
    }

    static func outputSettings(_ s: AgentRuntimeSettings) -> OutputSettings {
        var o = OutputSettings()
        o.flushThreadCount = max(1, s.buffer.flushThreadCount)
        o.flushThreadInterval = s.flushThreadInterval
        o.flushThreadBurstInterval = s.flushThreadBurstInterval
        o.delayedCommit = s.forwarder.requireAckResponse
        o.delayedCommitTimeout = s.forwarder.effectiveDelayedCommitTimeout
        o.slowFlushLogThreshold = s.slowFlushLogThreshold
        o.retry = s.retry
        o.retry.hasSecondary = s.secondary != nil
        // Each thread's start phase: a seeded choice draws from the run's seed, so a replay starts them alike.
        var rng = SeededRandom.stream(.threadStart, seed: s.forwarder.seed)
        o.flushThreadStarts = s.flushThreadStart.resolve(count: o.flushThreadCount, rng: &rng)
        o.enqueueThreadStart = s.enqueueThreadStart.resolve(count: 1, rng: &rng)[0]
        o.enqueueInterval = FlushTiming.enqueueInterval(flushInterval: s.buffer.flushInterval,
                                                        flushThreadInterval: s.flushThreadInterval) ?? 0.05
        return o
    }

    // MARK: - Start / stop

    /// Configure-time work (docs/forward-protocol.md, "Startup options"): log the core's lines, resolve every node, verify connections, open the UDP
    /// socket, start the timers.
    func start() -> EventLoopFuture<Void> {
        loop.flatSubmit { [self] in
            fetchInitialSRV()
        }.flatMap { [self] () -> EventLoopFuture<Void> in
            let errors = settings.forwarder.validationErrors(nodes: settings.nodes)
            if !errors.isEmpty {
                return loop.makeFailedFuture(AgentStartError.configuration(errors.joined(separator: "; ")))
            }
            execute(core.configureDirectives)
            return resolveAtStartup()
                .flatMap { self.verifyAtStartup() }
                .flatMap { self.openUDPIfNeeded() }
                .map { self.startTimers() }
        }
    }

    /// sd_srv's configure-time query (docs/agent-parameters.md, "<service_discovery>"): each SRV source's services
    /// become nodes before the first "adding forwarding server" line, as Fluentd builds them in `configure`.
    private func fetchInitialSRV() -> EventLoopFuture<Void> {
        srvInitial = [:]
        var chain = loop.makeSucceededVoidFuture()
        for (i, source) in settings.discovery.enumerated() {
            guard case .srv(let config) = source else { continue }
            chain = chain.flatMap { [self] in
                SRVLookup.fetch(config, resolver: resolver, threadPool: threadPool, on: loop).map { [self] services in
                    srvInitial[i] = services
                }
            }
        }
        return chain.flatMapErrorThrowing { error in
            throw AgentStartError.configuration("sd_srv: \((error as? SRVLookupError)?.message ?? "\(error)")")
        }.map { [self] in
            var known = Set(settings.identities.compactMap { $0 })
            var added = false
            for i in srvInitial.keys.sorted() {
                for service in srvInitial[i] ?? [] where known.insert(service).inserted {
                    settings.appendDiscovered(service)
                    connector.appendDiscovered(service)
                    added = true
                }
            }
            guard added else { return }
            core = ForwarderCore(settings: core.settings, nodes: settings.nodes, clock: clock, identities: settings.identities)
            core.emitsPhiSamples = phiSamples
        }
    }

    private func resolveAtStartup() -> EventLoopFuture<Void> {
        guard settings.forwarder.heartbeatType != .none else { return loop.makeSucceededVoidFuture() }
        var futures: [EventLoopFuture<Void>] = []
        for (i, n) in settings.nodes.enumerated() {
            futures.append(resolveForStartup(n).map { self.feed(.dnsResolved(node: i, addresses: $0)) }.flatMapError { error in
                if self.settings.forwarder.ignoreNetworkErrorsAtStartup {
                    self.feed(.startupResolutionFailed(node: i, error: "\(error)"))
                    return self.loop.makeSucceededVoidFuture()
                }
                return self.loop.makeFailedFuture(error)
            })
        }
        return EventLoopFuture.andAllSucceed(futures, on: loop)
    }

    private func verifyAtStartup() -> EventLoopFuture<Void> {
        guard settings.forwarder.verifyConnectionAtStartup else { return loop.makeSucceededVoidFuture() }
        let futures = settings.nodes.indices.map { i in
            self.connectionFor(node: i, useCache: false).map { $0.close() }
        }
        return EventLoopFuture.andAllSucceed(futures, on: loop).flatMapError { error in
            let message = "forward's connection setting error: \(ForwardSendError.from(error).message)"
            self.hub.log(.fatal, message)
            return self.loop.makeFailedFuture(AgentStartError.unrecoverable(message))
        }
    }

    private func openUDPIfNeeded() -> EventLoopFuture<Void> {
        guard settings.forwarder.heartbeatType == .udp, let first = settings.nodes.first else {
            return loop.makeSucceededVoidFuture()
        }
        // Quirk 9 (docs/quirks.md): the family of the first server decides the socket's family.
        let firstAddress = core.dns[0].address ?? first.host
        let v6 = firstAddress.contains(":")
        let handler = UDPHeartbeatHandler()
        handler.onReply = { [weak self] from in self?.udpReply(from: from) }
        let bound = NIOLoopBound(handler, eventLoop: loop)
        let keep = NIOLoopBound(handler, eventLoop: loop)
        return DatagramBootstrap(group: loop)
            .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: max(1, settings.readLength)))
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(bound.value) } }
            .bind(host: v6 ? "::" : "0.0.0.0", port: 0)
            .map { ch in
                self.udp = ch
                self.udpHandler = keep.value
            }
    }

    private func startTimers() {
        let fw = settings.forwarder
        if fw.heartbeatType != .none { scheduleHeartbeat(from: .now(), tick: 1) }
        if settings.keepalive {
            timers.append(loop.scheduleRepeatedTask(initialDelay: amount(5), delay: amount(5)) { [weak self] _ in self?.sweep() })
        }
        flushThreadTimers = Array(repeating: nil, count: output.threads.count)
        startDiscovery()
        feedOutput(.started)
        if fw.requireAckResponse { feed(.ackReaderStarted) }
    }

    /// Fluentd's heartbeat timer (a repeating event-loop timer) keeps its phase: tick k fires at start + k·interval,
    /// however long the rounds take, so it runs before an ack-reader pass that ends in the same instant
    /// (docs/fluentd-model.md, "The heartbeat timer").
    private func scheduleHeartbeat(from start: NIODeadline, tick: Int64) {
        let h = amount(settings.forwarder.heartbeatInterval)
        let deadline = max(start + .nanoseconds(h.nanoseconds &* tick), .now())
        heartbeatTimer = loop.scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            heartbeatTimerFired()
            scheduleHeartbeat(from: start, tick: tick + 1)
        }
    }

    private func cancelCoreTimers() {
        for t in flushThreadTimers { t?.cancel() }
        flushThreadTimers = flushThreadTimers.map { _ in nil }
        flushAllTimer?.cancel()
        flushAllTimer = nil
        enqueueTimer?.cancel()
        enqueueTimer = nil
        ackReaderTimer?.cancel()
        ackReaderTimer = nil
    }

    /// Stops timers and shuts the output down as Fluentd does (docs/fluentd-model.md, "Shutdown with acks"): the ack
    /// reader's current pass is its last; with `flush`, everything is enqueued and the `force_flush` loop runs (bounded
    /// by `drainTimeout`); flushing is suspended; one final ack pass (`last_ack`); then what is still uncommitted is
    /// rolled back and every connection closes. With `fwdlab_wait_for_acks_at_shutdown` the reader keeps reading and
    /// the drain waits for the acks too.
    func stop(flush: Bool, drainTimeout: AgentSeconds) -> EventLoopFuture<Void> {
        loop.flatSubmit { [self] in
            shutDownOutput(flush: flush, drainTimeout: drainTimeout).map { self.stopped = true }
        }
    }

    /// The shutdown sequence itself, shared by a stop and a graceful reload (Fluentd's `stop_phase` runs the same
    /// `RootAgent#shutdown` for both, docs/control-path.md): when it completes the old output is gone (timers,
    /// connections, cores' state) and the buffer holds what was not committed.
    private func shutDownOutput(flush: Bool, drainTimeout: AgentSeconds) -> EventLoopFuture<Void> {
        loop.assertInEventLoop()
        for t in timers { t.cancel() }
        timers.removeAll()
        heartbeatTimer?.cancel()
        heartbeatTimer = nil
        discovery?.stop()
        discovery = nil
        let deadline = clock.monotonicNow + drainTimeout
        let waitForAcks = settings.forwarder.waitForAcksAtShutdown
        if !waitForAcks { feed(.ackReaderStopping) }
        let drained: EventLoopFuture<Void>
        if flush {
            buffer.enqueueAll()
            feedOutput(.flushAllRequested(queued: buffer.hasQueued))
            drained = waitSettled(deadline: deadline, acks: waitForAcks)
        } else {
            drained = loop.makeSucceededVoidFuture()
        }
        let stopBegan = clock.monotonicNow
        return drained.flatMap {
            if waitForAcks { return self.loop.makeSucceededVoidFuture() }
            self.feedOutput(.flushSuspended)
            let wait = self.core.lastAckDelay(stopBegan: stopBegan, now: self.clock.monotonicNow)
            return self.loop.scheduleTask(in: self.amount(wait)) {}.futureResult.flatMap {
                let lastAckBegan = self.clock.monotonicNow
                return self.finalAckPass(deadline: max(deadline, lastAckBegan) + 2).flatMap {
                    let close = self.core.closeDelay(lastAckBegan: lastAckBegan, now: self.clock.monotonicNow)
                    return self.loop.scheduleTask(in: self.amount(close)) {}.futureResult
                }
            }
        }.map {
            self.endOutput()
            self.udp?.close(promise: nil)
            self.udp = nil
            self.drainBufferLogs()
        }
    }

    /// `last_ack`: the core's final pass; completes at its `lastAckDone`, or at `deadline` (the caller's bound).
    private func finalAckPass(deadline: AgentSeconds) -> EventLoopFuture<Void> {
        let promise = loop.makePromise(of: Void.self)
        lastAckPromise = promise
        feed(.lastAckRequested)
        let bound = loop.scheduleTask(in: amount(max(0, deadline - clock.monotonicNow))) { [weak self] in
            self?.lastAckPromise?.succeed(())
            self?.lastAckPromise = nil
        }
        promise.futureResult.whenComplete { _ in bound.cancel() }
        return promise.futureResult
    }

    /// Shutdown of the output: the flush threads and the ack reader stop, delayed commits go back to the queue
    /// (`try_rollback_all`), connections close. Flushes still running answer to no core (`generation`).
    private func endOutput() {
        feed(.ackReaderStopped)
        feedOutput(.stopping)
        cancelCoreTimers()
        generation += 1
        for (_, c) in awaitingAck {
            c.handler.onAck = nil
            c.handler.onClose = nil
            c.close()
        }
        awaitingAck.removeAll()
        for c in cache.removeAll() { c.close() }
    }

    /// Completes once the output core is settled (`OutputCore.isSettled`; without `acks`, once the force_flush loop
    /// is done, `isForceFlushDone`) or at `deadline`: the caller's bound on how long a flush or stop may take, not a
    /// forwarding decision.
    private func waitSettled(deadline: AgentSeconds, acks: Bool = true) -> EventLoopFuture<Void> {
        let settled = acks ? output.isSettled : output.isForceFlushDone
        if settled || clock.monotonicNow >= deadline { return loop.makeSucceededVoidFuture() }
        return loop.scheduleTask(in: .milliseconds(20)) {}.futureResult.flatMap { self.waitSettled(deadline: deadline, acks: acks) }
    }

    // MARK: - Control

    /// SIGUSR1 / flushBuffers: enqueue every staged chunk and flush unless a retry wait is pending; completes when the
    /// `force_flush` loop ends (the queue drained or a retry wait began) or `timeout` passed. Like Fluentd's, it does
    /// not wait for acks: chunks may still wait for theirs.
    func flushAll(timeout: AgentSeconds) -> EventLoopFuture<Void> {
        loop.flatSubmit { [self] in
            // Only the mutation check sets this (docs/scenarios.md, "Mutation check").
            if settings.forwarder.ignoreForceFlush { return loop.makeSucceededVoidFuture() }
            hub.log(.info, "force flushing buffered events")
            buffer.enqueueAll()
            feedOutput(.flushAllRequested(queued: buffer.hasQueued))
            return waitSettled(deadline: clock.monotonicNow + timeout, acks: false)
        }
    }

    // Graceful reload of the output's settings, in Fluentd's order (lib/fluent/engine.rb `reload_config`,
    // docs/control-path.md, "Reload"): `prepareReload` checks the new settings first, and one that fails leaves the
    // running output as it was; `performReload` then runs the whole shutdown sequence of a stop (flush_at_shutdown's
    // force_flush, last_ack, rollback), emits `reloaded` when that ends, where Fluentd logs "restart fluentd worker",
    // and starts the new output. The buffer itself stays (buffer settings changes need a restart); what a memory
    // buffer's shutdown left is dropped as in Fluentd unless `fwdlab_keep_buffer_on_reload` (quirk 43).

    /// A reload's new settings, checked and with their connector built: what `performReload` swaps in.
    /// `@unchecked Sendable`: the connector is only used on `loop`, where `performReload` runs.
    struct PreparedReload: @unchecked Sendable {
        let settings: AgentRuntimeSettings
        let connector: NodeConnector
    }

    /// Fluentd's configure step of a reload: fails (leaving this output untouched) when `new` would not start.
    func prepareReload(_ new: AgentRuntimeSettings) -> EventLoopFuture<PreparedReload> {
        loop.flatSubmit { [self] in
            let errors = new.forwarder.validationErrors(nodes: new.nodes)
            if !errors.isEmpty {
                return loop.makeFailedFuture(AgentStartError.configuration(errors.joined(separator: "; ")))
            }
            return checkResolution(new).flatMapThrowing {
                PreparedReload(settings: new,
                               connector: try NodeConnector(loop: self.loop, settings: Self.connectorSettings(new, timeScale: self.timeScale)))
            }
        }
    }

    /// `stop_phase` then `start_phase`: the old output's shutdown (emits refused meanwhile, as Fluentd's inputs are
    /// stopped), the memory buffer's leftovers dropped unless kept, `reloaded`, the new output's start.
    func performReload(_ prepared: PreparedReload) -> EventLoopFuture<Void> {
        loop.flatSubmit { [self] in
            acceptsEmits.store(false, ordering: .sequentiallyConsistent)
            return shutDownOutput(flush: settings.buffer.flushAtShutdown, drainTimeout: Self.reloadDrainTimeout).flatMap {
                if self.settings.reloadDropsBuffer { self.dropBufferForReload() }
                return self.startReplacement(prepared.settings, connector: prepared.connector)
            }
        }
    }

    /// The bound on a reload's shutdown flush, as `fwdlab agent` bounds its SIGTERM drain: it only limits a flush that
    /// is making progress (a retry wait ends the force_flush loop at once).
    static let reloadDrainTimeout: AgentSeconds = 30

    /// The new configuration's hosts resolve, as its start will ask (or the failures are ignored at startup).
    private func checkResolution(_ new: AgentRuntimeSettings) -> EventLoopFuture<Void> {
        guard new.forwarder.heartbeatType != .none, !new.forwarder.ignoreNetworkErrorsAtStartup else {
            return loop.makeSucceededVoidFuture()
        }
        return EventLoopFuture.andAllSucceed(new.nodes.map { resolveForStartup($0).map { _ in () } }, on: loop)
    }

    /// `node`'s addresses, a failure being the start-up's `AgentStartError.resolution`.
    private func resolveForStartup(_ node: ForwarderNodeConfig) -> EventLoopFuture<[String]> {
        resolver.resolve(host: node.host, port: node.port, on: loop).flatMapError { error in
            self.loop.makeFailedFuture(AgentStartError.resolution(host: node.host, message: "\(error)"))
        }
    }

    /// The old memory buffer goes with the old output (Fluentd's new output starts an empty one, quirk 43): what the
    /// shutdown did not flush, staged or rolled back, is lost.
    private func dropBufferForReload() {
        buffer.enqueueAll()
        let dropped = buffer.clearQueue()
        guard !dropped.isEmpty else { return }
        hub.log(.warn, "reload dropped \(dropped.count) chunks of the memory buffer (fwdlab_keep_buffer_on_reload keeps them)")
    }

    /// Fluentd's `start_phase` after the old pipeline stopped: new cores, connections and timers for `new`.
    private func startReplacement(_ new: AgentRuntimeSettings, connector: NodeConnector) -> EventLoopFuture<Void> {
        if new.buffer != settings.buffer || new.bufferStorage != settings.bufferStorage {
            hub.log(.warn, "buffer settings changed by reload are applied at the next restart")
        }
        settings = new
        self.connector = connector
        cache = SocketCache(keepaliveTimeout: new.keepaliveTimeout)
        core = ForwarderCore(settings: new.forwarder, nodes: new.nodes, clock: clock, identities: new.identities)
        core.emitsPhiSamples = phiSamples
        output = OutputCore(settings: Self.outputSettings(new), clock: clock, rng: output.retry.rng)
        secondary = new.secondary.map(SecondaryFileOutput.init(settings:))
        round = HeartbeatRound()
        hub.emit(event: .reloaded)
        acceptsEmits.store(true, ordering: .sequentiallyConsistent)
        return start()
    }

    // MARK: - Core plumbing

    func feed(_ event: ForwarderEvent) {
        loop.assertInEventLoop()
        execute(core.handle(event))
    }

    private func execute(_ directives: [ForwarderDirective]) {
        let committed = directives.contains { if case .commitChunk = $0 { true } else { false } }
        for d in directives {
            switch d {
            case let .log(level, message):
                hub.log(level, message)
            case let .emitEvent(e):
                hub.emit(e)
            case .rebalanced:
                break
            case let .nodeAdded(node):
                // Same index in the core, the settings and the connector (they only ever grow).
                if let service = core.identities[node], settings.nodes.count == node {
                    settings.appendDiscovered(service)
                    connector.appendDiscovered(service)
                }
            case .nodeRemoved:
                // Fluentd drops the node object: no heartbeats or sends any more; cached sockets and ack waits stay.
                break
            case let .resolveDNS(node, host, port):
                resolveForHeartbeat(node: node, host: host, port: port)
            case let .sendHeartbeat(node, address, port, type):
                probe(node: node, address: address, port: port, type: type)
            case let .commitChunk(wire):
                hub.emit(event: .chunkAcked, detail: wire.hex)
                feedOutput(.ackCommitted(buffer.queueID(forWire: wire)))
            case let .rollbackChunk(wire):
                feedOutput(.ackRolledBack(buffer.queueID(forWire: wire)))
            case let .closeConnection(id):
                release(id, success: committed)
            case let .armAckReader(after):
                ackReaderTimer?.cancel()
                ackReaderTimer = loop.scheduleTask(in: amount(after)) { [weak self] in
                    guard let self else { return }
                    ackReaderTimer = nil
                    feed(.ackCheckTimerFired)
                }
            case .lastAckDone:
                lastAckPromise?.succeed(())
                lastAckPromise = nil
            }
        }
    }

    func feedOutput(_ event: OutputEvent) {
        loop.assertInEventLoop()
        execute(output.handle(event))
    }

    private func execute(_ directives: [OutputDirective]) {
        for d in directives {
            switch d {
            case let .tryFlush(thread, target):
                flushThreadTimers[thread]?.cancel()
                flushThreadTimers[thread] = nil
                // On the next loop turn, so a chain of instant flushes (burst interval 0) does not nest.
                loop.execute { [self] in tryFlush(thread: thread, target: target) }
            case let .armFlushThread(thread, after):
                flushThreadTimers[thread]?.cancel()
                flushThreadTimers[thread] = loop.scheduleTask(in: amount(after)) { [weak self] in
                    guard let self else { return }
                    flushThreadTimers[thread] = nil
                    feedOutput(.flushThreadTimer(thread: thread))
                }
            case .enqueueDue:
                // The enqueue thread only enqueues: a flush thread picks the chunk up at its own wake-up or at the
                // next emit.
                buffer.enqueueDue(now: clock.now)
                drainBufferLogs()
            case let .armEnqueueThread(after):
                enqueueTimer?.cancel()
                enqueueTimer = loop.scheduleTask(in: amount(after)) { [weak self] in
                    guard let self else { return }
                    enqueueTimer = nil
                    feedOutput(.enqueueThreadTimer)
                }
            case let .commit(id, node):
                commit(id, node: node)
            case let .takeBack(id, cause):
                if buffer.takeBack(id) {
                    counters.chunksRolledBack += 1
                    hub.emit(event: .chunkRolledBack, cause: cause, detail: id.hex)
                }
            case let .clearQueue(steps, error):
                let records = buffer.queuedRecords
                let dropped = buffer.clearQueue()
                if let error {
                    hub.log(.error, "Hit limit for retries. dropping all chunks in the buffer queue. retry_times=\(steps) records=\(records) error_class=\(error.errorClass) error=\(RubyInspect.string(error.message))")
                }
                hub.emit(event: .retryLimit, detail: "dropped_chunks=\(dropped.count)")
            case let .log(level, message):
                hub.log(level, message)
            case let .emitEvent(e):
                if e.event == .slowFlush { counters.slowFlushes += 1 }
                hub.emit(e)
            case let .armFlushAll(after):
                flushAllTimer?.cancel()
                flushAllTimer = loop.scheduleTask(in: amount(after)) { [weak self] in
                    guard let self else { return }
                    flushAllTimer = nil
                    feedOutput(.flushAllTimer(queued: buffer.hasQueued))
                }
            case .flushAllDone:
                flushAllTimer?.cancel()
                flushAllTimer = nil
            }
        }
    }

    /// The output's share of what monitor_agent reports (the buffer's and the emits' are the agent's).
    func monitorFigures() -> OutputMonitorFigures {
        var f = OutputMonitorFigures()
        f.retryCount = counters.flushFailures
        f.writeCount = counters.writes
        f.rollbackCount = counters.chunksRolledBack
        f.slowFlushCount = counters.slowFlushes
        f.flushTimeCount = counters.flushMilliseconds
        f.registeredNodes = core.members.count
        f.healthyNodes = core.members.filter { core.isAvailable($0) }.count
        if let state = output.retry.state {
            f.retry = .init(start: state.start, steps: state.steps, nextTime: state.nextTime)
        }
        return f
    }

    // MARK: - Heartbeats (docs/forward-protocol.md, "Heartbeats")

    /// Starts the `<service_discovery>` watchers; each manager tick's batch goes to the core (docs/agent-parameters.md).
    private func startDiscovery() {
        guard !settings.discovery.isEmpty else { return }
        let shell = ServiceDiscoveryShell(
            loop: loop, threadPool: threadPool, sources: settings.discovery, resolver: resolver, timeScale: timeScale,
            srvInitial: srvInitial,
            log: { [weak self] level, message in self?.hub.log(level, message) },
            onBatch: { [weak self] batch in
                guard let self, !self.stopped else { return }
                self.execute(self.core.applyDiscovery(batch))
            })
        discovery = shell
        shell.start()
    }

    private func heartbeatTimerFired() {
        guard !stopped, round.timerFired() else { return }
        counters.heartbeatRounds += 1
        let directives = core.handle(.heartbeatTimerFired)
        var waits: Set<Int> = []
        for d in directives {
            switch d {
            case let .sendHeartbeat(node, _, _, _), let .resolveDNS(node, _, _): waits.insert(node)
            default: break
            }
        }
        round.began(waitingFor: waits)
        if policy.serialProbes && settings.forwarder.heartbeatType == .transport {
            // Quirk 8 mode: probes one after another, in configuration order.
            let others = directives.filter { if case .sendHeartbeat = $0 { false } else { true } }
            execute(others)
            var chain = loop.makeSucceededVoidFuture()
            for case let .sendHeartbeat(node, address, _, _) in directives {
                chain = chain.flatMap { self.transportProbe(node: node, address: address).map { self.probeSucceeded(node) }
                    .recover { self.probeFailed(node, $0) } }
                    .map { self.nodeHeartbeatDone(node) }
            }
        } else {
            execute(directives)
        }
        roundSettled(round.settle())
    }

    private func nodeHeartbeatDone(_ node: Int) {
        roundSettled(round.nodeDone(node))
    }

    private func roundSettled(_ s: HeartbeatRound.Settled) {
        guard case .completed(let runDeferred) = s else { return }
        feed(.heartbeatRoundCompleted)
        if runDeferred { heartbeatTimerFired() }
    }

    private func resolveForHeartbeat(node: Int, host: String, port: Int) {
        resolver.resolve(host: host, port: port, on: loop).whenComplete { [self] result in
            switch result {
            case .success(let addresses):
                let ds = core.handle(.dnsResolved(node: node, addresses: addresses))
                let probing = ds.contains { if case .sendHeartbeat(let n, _, _, _) = $0 { n == node } else { false } }
                execute(ds)
                if !probing { nodeHeartbeatDone(node) }
            case .failure(let error):
                feed(.dnsFailed(node: node, error: "\(error)"))
                nodeHeartbeatDone(node)
            }
        }
    }

    private func probe(node: Int, address: String, port: Int, type: HeartbeatType) {
        switch type {
        case .udp:
            guard let udp, let to = try? SocketAddress(ipAddress: address, port: port) else {
                feed(.heartbeatFailed(node: node, error: "no UDP socket or bad address \(address)", expected: false))
                nodeHeartbeatDone(node)
                return
            }
            var b = udp.allocator.buffer(capacity: 1)
            b.writeBytes(UDPHeartbeat.request)
            feed(.heartbeatSent(node: node))
            udp.writeAndFlush(AddressedEnvelope(remoteAddress: to, data: b)).whenComplete { [self] r in
                if case .failure(let e) = r { feed(.heartbeatFailed(node: node, error: "\(e)", expected: false)) }
                nodeHeartbeatDone(node)
            }
        case .transport:
            transportProbe(node: node, address: address).whenComplete { [self] r in
                switch r {
                case .success: probeSucceeded(node)
                case .failure(let e): probeFailed(node, e)
                }
                nodeHeartbeatDone(node)
            }
        case .none:
            nodeHeartbeatDone(node)
        }
    }

    private func probeSucceeded(_ node: Int) { feed(.heartbeatReplied(node: node)) }

    private func probeFailed(_ node: Int, _ error: Error) {
        if case ForwardConnectionError.handshake(let reason)? = error as? ForwardConnectionError {
            feed(.handshakeFailed(node: node, reason: reason))
        }
        let e = ForwardSendError.from(error)
        feed(.heartbeatFailed(node: node, error: e.message, expected: e.expected))
    }

    /// Connect-only probe (docs/forward-protocol.md, "Transport heartbeat"), bounded; with keepalive a cached idle socket counts without I/O (quirk 7).
    private func transportProbe(node: Int, address: String) -> EventLoopFuture<Void> {
        let now = clock.monotonicNow
        let key = connector.cacheKey(node: node, address: address)
        let policy = self.policy
        if policy.probeUsesCache, let c = cache.checkout(key, now: now) {
            cache.checkin(c, now: now)
            return loop.makeSucceededVoidFuture()
        }
        let bounds = policy.probeBounds
        counters.connectionsOpened += 1
        feed(.heartbeatSent(node: node))
        let connecting = connector.connect(node: node, address: address, connectTimeout: bounds.connect.map { $0 * timeScale })
        let result = loop.makePromise(of: Void.self)
        let timer: Scheduled<Void>?
        if let bound = bounds.overall {
            // The whole probe (connect + TLS + handshake) stays within the bound so the round keeps its cadence.
            timer = loop.scheduleTask(in: amount(bound)) {
                result.fail(ForwardSendError(errorClass: "Errno::ETIMEDOUT", message: "heartbeat probe timed out after \(bound)s", expected: true))
            }
        } else {
            timer = nil
        }
        connecting.whenComplete { [self] r in
            timer?.cancel()
            switch r {
            case .success(let c):
                if policy.probeUsesCache {
                    // cm.rb: the heartbeat's new socket goes through the cache and is checked back in.
                    cache.add(c, now: clock.monotonicNow)
                    cache.checkin(c, now: clock.monotonicNow)
                } else {
                    c.close()
                }
                result.succeed(())
            case .failure(let e):
                result.fail(e)
            }
        }
        return result.futureResult
    }

    private func udpReply(from: SocketAddress) {
        guard let ip = from.ipAddress, let port = from.port else { return }
        var matched = false
        for i in core.members where settings.nodes[i].port == port {
            guard let a = core.dns[i].address, Self.sameIP(a, ip) else { continue }
            matched = true
            feed(.heartbeatReplied(node: i))
        }
        if !matched {
            hub.log(.warn, "Unknown heartbeat response received from \(ip):\(port). It may service out")
        }
    }

    static func sameIP(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        guard let x = try? SocketAddress(ipAddress: a, port: 0), let y = try? SocketAddress(ipAddress: b, port: 0) else { return false }
        return x.ipAddress == y.ipAddress
    }

    private func sweep() {
        for c in cache.sweep(now: clock.monotonicNow) { c.close() }
    }

    // MARK: - Acks (docs/forward-protocol.md, "Ack handler")

    private func release(_ id: UInt64, success: Bool) {
        guard let c = awaitingAck.removeValue(forKey: id) else { return }
        c.handler.onAck = nil
        c.handler.onClose = nil
        c.handler.disarm()
        switch policy.afterAck(success: success, cached: cache.contains(c), open: c.isActive,
                               serverDeniesKeepalive: c.handler.serverDeniesKeepalive) {
        case .checkIn: cache.checkin(c, now: clock.monotonicNow)
        case .close:
            cache.remove(c)
            c.close()
        }
    }

    // MARK: - Flushing (docs/fluentd-model.md, "The flush thread(s)")

    /// Called from any thread after an input's emit, when a chunk is queued (`emit_buffered`): the output core
    /// decides whether a flush thread wakes. Emits that come before the loop runs count as one.
    func wakeFromInput() {
        if wakePending.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            loop.execute { [self] in
                wakePending.store(false, ordering: .releasing)
                guard !stopped else { return }
                feedOutput(.emitted(queued: buffer.hasQueued))
            }
        }
    }

    private func drainBufferLogs() {
        for l in buffer.drainLogs() { hub.log(l) }
    }

    /// One `try_flush` on flush thread `thread`: dequeue, write to `target`, report the outcome.
    private func tryFlush(thread: Int, target: OutputTarget) {
        drainBufferLogs()
        guard let chunk = buffer.dequeue() else {
            feedOutput(.nothingToFlush(thread: thread, queued: buffer.hasQueued))
            return
        }
        let gen = generation
        let started = clock.monotonicNow
        let written: EventLoopFuture<FlushResult>
        if chunk.records == 0 && chunk.payload.readableBytes == 0 {
            written = loop.makeSucceededFuture(.emptyChunk)
        } else if target == .secondary, let secondary {
            written = writeSecondary(chunk, secondary, started: started)
        } else {
            written = writePrimary(chunk, started: started)
        }
        written.whenSuccess { [self] result in
            guard gen == generation else {
                execute(OutputCore.orphanedFlushDirectives(chunk: chunk.id, result: result,
                                                           delayedCommit: settings.forwarder.requireAckResponse))
                return
            }
            counters.writes += 1
            if case .failed = result {
                counters.flushFailures += 1
            } else {
                counters.flushMilliseconds += Int((clock.monotonicNow - started) * 1000)
            }
            feedOutput(.flushed(thread: thread, chunk: chunk.id, result: result, othersQueued: buffer.hasQueued))
        }
    }

    /// out_forward's write: a node per `select_healthy_node`, then the send; always succeeds with the outcome.
    private func writePrimary(_ chunk: AgentBuffer.Flushable, started: AgentSeconds) -> EventLoopFuture<FlushResult> {
        let plan: WeightedBalancer.Plan
        do {
            plan = try core.planSend()
        } catch {
            return loop.makeSucceededFuture(.failed(ForwardSendError.from(error), elapsed: clock.monotonicNow - started))
        }
        return trySend(chunk, plan: plan, index: 0, lastError: nil, started: started)
    }

    private func trySend(_ chunk: AgentBuffer.Flushable, plan: WeightedBalancer.Plan, index: Int, lastError: Error?,
                         started: AgentSeconds) -> EventLoopFuture<FlushResult> {
        guard let index = core.nextCandidate(in: plan, from: index), !stopped else {
            core.finishSend(plan, succeededAt: nil)
            return loop.makeSucceededFuture(.failed(ForwardSendError.from(lastError ?? NoNodesAvailable()),
                                                    elapsed: clock.monotonicNow - started))
        }
        let node = plan.candidates[index]
        return send(chunk, to: node).flatMap { [self] conn -> EventLoopFuture<FlushResult> in
            core.finishSend(plan, succeededAt: index)
            feed(.sendSucceeded(node: node))
            counters.chunksSent += 1
            let label = settings.nodes[node].label
            hub.emit(node: label, event: .chunkSent, detail: chunk.wireID.hex)
            if settings.forwarder.requireAckResponse {
                awaitAck(conn, chunk: chunk, node: node)
            } else {
                finishConnection(conn)
            }
            return loop.makeSucceededFuture(.written(node: label, elapsed: clock.monotonicNow - started))
        }.flatMapError { [self] error in
            trySend(chunk, plan: plan, index: index + 1, lastError: error, started: started)
        }
    }

    /// DNS (docs/forward-protocol.md, "DNS") → connection (cache or new, + handshake) → write (docs/forward-protocol.md, "Sending a chunk"). On a write failure the connection is revoked
    /// or closed; with acks and quirk 16 the wait is registered anyway.
    private func send(_ chunk: AgentBuffer.Flushable, to node: Int) -> EventLoopFuture<NodeConnection> {
        connectionFor(node: node, useCache: settings.keepalive).flatMap { [self] conn in
            let ackValue = settings.forwarder.requireAckResponse ? chunk.wireID.ackValue : nil
            return conn.send(tag: chunk.tag, payload: chunk.payload, records: chunk.records, compression: settings.compression,
                             ackValue: ackValue, timeout: amount(settings.sendTimeout))
                .map { conn }
                .flatMapError { [self] error in
                    switch policy.afterFailedWrite(cached: cache.contains(conn)) {
                    case .revoke:
                        cache.revoke(conn)
                        conn.close()
                    case .awaitAckThenClose:
                        awaitAck(conn, chunk: chunk, node: node)
                        conn.close()
                    case .close:
                        conn.close()
                    }
                    return loop.makeFailedFuture(ForwardSendError.from(error))
                }
        }
    }

    /// An address for `node` per its DNS cache, then a connection.
    private func connectionFor(node: Int, useCache: Bool) -> EventLoopFuture<NodeConnection> {
        let addressFuture: EventLoopFuture<String>
        switch core.address(for: node) {
        case .cached(let a):
            addressFuture = loop.makeSucceededFuture(a)
        case .resolveNow:
            let n = settings.nodes[node]
            addressFuture = resolver.resolve(host: n.host, port: n.port, on: loop).flatMapThrowing { [self] addrs in
                feed(.dnsResolved(node: node, addresses: addrs))
                guard let a = core.dns[node].address else {
                    throw ForwardSendError(errorClass: "SocketError", message: "getaddrinfo: no address for \(n.host)", expected: false)
                }
                return a
            }.flatMapErrorThrowing { error in
                if error is ForwardSendError { throw error }
                throw ForwardSendError(errorClass: "SocketError", message: "\(error)", expected: false)
            }
        }
        return addressFuture.flatMap { [self] address in
            let key = connector.cacheKey(node: node, address: address)
            if useCache, let c = cache.checkout(key, now: clock.monotonicNow) {
                return loop.makeSucceededFuture(c)
            }
            counters.connectionsOpened += 1
            return connector.connect(node: node, address: address).map { c in
                if useCache && self.policy.cachesNewConnection(serverDeniesKeepalive: c.handler.serverDeniesKeepalive) {
                    self.cache.add(c, now: self.clock.monotonicNow)
                }
                return c
            }.flatMapError { error in
                if case ForwardConnectionError.handshake(let reason)? = error as? ForwardConnectionError {
                    self.feed(.handshakeFailed(node: node, reason: reason))
                    let name = self.settings.nodes[node].name ?? self.settings.nodes[node].host
                    return self.loop.makeFailedFuture(ForwardSendError(
                        errorClass: "Fluent::Plugin::ForwardOutput::ConnectionClosedError",
                        message: "failed to establish connection with node \(name)", expected: false))
                }
                if case ForwardConnectionError.timeout(let what)? = error as? ForwardConnectionError, what == "handshake timeout" {
                    // v1.16.11: waiting longer than hard_timeout disables the node (docs/forward-protocol.md, "What disables a node", item 5).
                    self.feed(.handshakeFailed(node: node, reason: "handshake timeout"))
                }
                return self.loop.makeFailedFuture(ForwardSendError.from(error))
            }
        }
    }

    private func awaitAck(_ conn: NodeConnection, chunk: AgentBuffer.Flushable, node: Int) {
        awaitingAck[conn.id] = conn
        let id = conn.id
        conn.handler.onAck = { [weak self] reply in self?.feed(.ackReceived(connection: id, reply: reply)) }
        conn.handler.onClose = { [weak self] in self?.feed(.peerClosed(connection: id)) }
        feed(.ackRegistered(chunkID: chunk.wireID, node: node, connection: id))
        if conn.isActive {
            let ctx = try? conn.channel.pipeline.syncOperations.context(handlerType: ForwardClientHandler.self)
            conn.handler.arm(context: ctx)
        } else {
            conn.handler.onClose = nil
            feed(.peerClosed(connection: id))
        }
    }

    /// After a send without ack: back to the cache (keepalive) or closed.
    private func finishConnection(_ conn: NodeConnection) {
        switch policy.afterSend(cached: cache.contains(conn), open: conn.isActive) {
        case .checkIn: cache.checkin(conn, now: clock.monotonicNow)
        case .close:
            cache.remove(conn)
            conn.close()
        }
    }

    /// `<secondary>`'s write (a file), on the thread pool.
    private func writeSecondary(_ chunk: AgentBuffer.Flushable, _ output: SecondaryFileOutput,
                                started: AgentSeconds) -> EventLoopFuture<FlushResult> {
        threadPool.runIfActive(eventLoop: loop) {
            try output.write(tag: chunk.tag, chunk: chunk.wireID, payload: chunk.payload)
        }.map { [self] in
            counters.chunksToSecondary += 1
            return .written(node: nil, elapsed: clock.monotonicNow - started)
        }.recover { [self] error in
            .failed(ForwardSendError(errorClass: "IOError", message: "secondary: \(error)", expected: false),
                    elapsed: clock.monotonicNow - started)
        }
    }

    private func commit(_ qid: ChunkID, node: String?) {
        guard buffer.commit(qid) else { return }
        counters.chunksCommitted += 1
        hub.emit(node: node ?? "", event: .chunkCommitted, detail: qid.hex)
    }

    // MARK: - Helpers

    static func amount(_ s: AgentSeconds) -> TimeAmount {
        // At least 1 ms: NIO runs every task that is due before it polls the sockets again, so a timer that re-arms
        // itself at once (the force_flush loop with flush_thread_burst_interval 0) would starve the sends it waits
        // for; a floor shorter than one loop turn is due again at once. 1 ms is far below any period Fluentd uses.
        .nanoseconds(max(1_000_000, Int64(max(0, min(s, 1e9)) * 1e9)))
    }

    /// A timer length for `s` seconds of `clock` time (times the time scale).
    func amount(_ s: AgentSeconds) -> TimeAmount { Self.amount(s * timeScale) }

}

/// Why the agent could not start.
public enum AgentStartError: Error, Sendable, Equatable, CustomStringConvertible {
    case configuration(String)
    /// Name resolution failed at configure without ignore_network_errors_at_startup.
    case resolution(host: String, message: String)
    /// `verify_connection_at_startup` failed (Fluentd raises UnrecoverableError).
    case unrecoverable(String)

    public var description: String {
        switch self {
        case .configuration(let m): m
        case let .resolution(host, m): "failed to resolve node name \(RubyInspect.string(host)): \(m)"
        case .unrecoverable(let m): m
        }
    }
}
