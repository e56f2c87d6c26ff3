import ForwardServer
import Logging
import NIOCore
import NIOPosix

/// One receiver of a simulation, and the one receiver lifecycle (start, crash, restart, refuse, pause, resume,
/// TLS profile) that topologies, the control API and scenarios all use: the receiver-wide effects its active
/// faults ask for are put in place by `reconcile()`, which compares them with what is in place and acts, logging
/// each transition. The receiver runs on an event loop of its own, so `pause` can stop it as SIGSTOP stops a
/// process (see `EventLoopFreeze`) and `crash` can kill it as SIGKILL does.
public actor ManagedReceiver {
    public let name: String
    public let engine: FaultEngine
    /// Settings as configured (TLS faults derive from them; the port is fixed after the first bind).
    public private(set) var settings: ReceiverSettings
    /// This receiver's own event loop: nothing else runs on it, so freezing it stops only this receiver.
    private let group: MultiThreadedEventLoopGroup
    private let freeze: EventLoopFreeze
    private let tlsMaterial: TLSMaterial?
    /// Created by the first `start()`; crash/restart and TLS changes replace its server, not its ledger.
    private var receiver: ForwardReceiver?
    /// When each server generation started serving (monotonic ns), oldest first.
    public private(set) var serverStarts: [UInt64] = []
    private var crashed = false
    private var listenerClosed = false
    private var paused = false
    private var stopped = true
    /// The TLS fault in force: (fault name, profile, version).
    private var tlsFault: (name: String, profile: TLSFaultProfile, version: ReceiverTLSSettings.Version)?
    private var lastFailure: String?

    /// A receiver whose fault decisions come from `engine`; `hooks` (default: the engine itself) is what the server
    /// calls, e.g. a wrapper that also records what it sees.
    init(settings: ReceiverSettings, engine: FaultEngine, hooks: (any ReceiverFaultHooks)? = nil, tlsMaterial: TLSMaterial?) {
        var s = settings
        s.hooks = hooks ?? engine
        self.settings = s
        self.name = settings.name
        self.engine = engine
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.freeze = EventLoopFreeze(loops: Array(group.makeIterator()))
        self.tlsMaterial = tlsMaterial
    }

    /// The running receiver (nil while crashed or stopped).
    public var current: ForwardReceiver? { crashed || stopped ? nil : receiver }
    /// The bound port (stable across restarts).
    public var port: Int { settings.port }

    /// The receiver's one ledger: everything it accepted since the first start, across crashes and restarts.
    public var eventLedger: EventLedger? { receiver?.ledger }

    public var state: ReceiverState {
        if stopped { return .stopped }
        if crashed { return .crashed }
        if paused { return .paused }
        if listenerClosed { return .listenerClosed }
        return .running
    }

    /// Binds and serves; with port 0 the chosen port is kept for later restarts.
    func start() async throws {
        try await bind()
        stopped = false
        crashed = false
        listenerClosed = false
        paused = false
    }

    /// Serves on the (fixed) port with the current TLS profile, into the receiver's one ledger.
    private func bind() async throws {
        defer { if receiver?.isRunning == true { serverStarts.append(MonotonicClock.nowNanos()) } }
        if let receiver {
            try await receiver.restart(effectiveSettings())
        } else {
            let r = try await ForwardReceiver.start(effectiveSettings(), group: group)
            receiver = r
            settings.port = r.port
        }
    }

    /// Kills the server as SIGKILL kills a process, paused or not: what it had not read is discarded, listeners
    /// and connections close (RST with the default linger 0); the ledger stays.
    private func unbind() async {
        thawDiscarding()
        await receiver?.crash()
    }

    /// A frozen loop must run again before its sockets can close; the server is marked killed first, so whatever
    /// the loop finds waiting when it wakes is dropped, not processed. `retiring` also refuses later freezes.
    private func thawDiscarding(retiring: Bool = false) {
        if paused { receiver?.server.markKilled() }
        if retiring { freeze.retire() } else if paused { freeze.thaw() }
        paused = false
    }

    /// Stops for good (closes the ledger) and ends the receiver's event loop. `stopped` is set before the first
    /// await and the freeze is retired, so a reconcile pass that interleaves at one of its awaits can neither act
    /// nor freeze the loop again while the server closes on it.
    func stop() async {
        let wasRunning = !stopped
        stopped = true
        thawDiscarding(retiring: true)
        await lastPass?.value
        if wasRunning { await receiver?.stop() }
        try? await group.shutdownGracefully()
    }

    private func effectiveSettings() throws -> ReceiverSettings {
        var s = settings
        if let tlsFault {
            guard let tlsMaterial else { throw FaultError.unsupported("TLS faults need the simulation's test CA") }
            s.tls = try tlsMaterial.settings(for: tlsFault.profile, receiver: name, base: settings.tls, version: tlsFault.version)
        }
        return s
    }

    private var lastPass: Task<Void, Never>?

    /// Brings the receiver in line with the effects its active faults ask for. Passes run one after
    /// another (an actor is reentrant at its awaits; two interleaved passes would act twice), and the
    /// caller returns once its own pass is done.
    func reconcile() async {
        let previous = lastPass
        let pass = Task { await previous?.value; await self.reconcileOnce() }
        lastPass = pass
        await pass.value
    }

    private func reconcileOnce() async {
        guard !stopped else { return }
        let effects = engine.activeEffects()
        var wantCrash: String?, wantClosed: String?, wantPause: String?
        var wantTLS: (name: String, profile: TLSFaultProfile, version: ReceiverTLSSettings.Version)?
        for e in effects {
            switch e.effect {
            case .crash: wantCrash = wantCrash ?? e.fault
            case .listenerClosed: wantClosed = wantClosed ?? e.fault
            case .pause: wantPause = wantPause ?? e.fault
            case let .tls(profile, version): wantTLS = (e.fault, profile, version)
            }
        }

        // A stopped process can be killed, or continued; anything else (closing its listener, a new TLS profile)
        // waits until it runs again.
        if paused {
            if wantCrash == nil, wantPause != nil { return }
            if wantCrash == nil {
                freeze.thaw()
                paused = false
                engine.logLifecycle(fault: "-", kind: PauseFault.kind, decision: "resume")
            }
        }

        // TLS profile changes need a new TLS context: restart the transport, keep the ledger.
        if wantCrash == nil, wantTLS?.name != tlsFault?.name || wantTLS?.profile != tlsFault?.profile || wantTLS?.version != tlsFault?.version {
            let previous = tlsFault
            tlsFault = wantTLS
            if !crashed {
                await unbind()
                do {
                    try await bind()
                    // The new server listens; a refuse fault still in force keeps it closed.
                    if listenerClosed { await receiver?.server.closeListener() }
                } catch {
                    fail("restart for TLS profile failed: \(error)", fault: wantTLS?.name ?? previous?.name ?? "tls")
                    crashed = true
                }
            }
            if let wantTLS {
                engine.logLifecycle(fault: wantTLS.name, kind: TLSFault.kind, decision: "serve tls profile \(wantTLS.profile.rawValue)")
            } else if let previous {
                engine.logLifecycle(fault: previous.name, kind: TLSFault.kind, decision: "restore configured transport")
            }
        }

        if let wantCrash, !crashed {
            await unbind()
            crashed = true
            listenerClosed = false
            engine.logLifecycle(fault: wantCrash, kind: CrashFault.kind, decision: "crash")
        } else if wantCrash == nil, crashed {
            do {
                try await bind()
                crashed = false
                lastFailure = nil
                engine.logLifecycle(fault: "-", kind: CrashFault.kind, decision: "restart")
            } catch {
                fail("restart failed: \(error)", fault: "-")
            }
        }
        guard !crashed, let receiver else { return }

        // Only the listening sockets close: open connections keep working.
        if let wantClosed, !listenerClosed {
            await receiver.server.closeListener()
            listenerClosed = true
            engine.logLifecycle(fault: wantClosed, kind: RefuseFault.kind, decision: "stop listening")
        } else if wantClosed == nil, listenerClosed {
            do {
                try await receiver.server.reopenListener()
                listenerClosed = false
                lastFailure = nil
                engine.logLifecycle(fault: "-", kind: RefuseFault.kind, decision: "listen again")
            } catch {
                fail("listening again failed: \(error)", fault: "-")
            }
        }

        if let wantPause, !paused, !stopped {
            // Awaited: once `pause()` returns, the receiver processes nothing more.
            await freeze.freeze()
            paused = true
            engine.logLifecycle(fault: wantPause, kind: PauseFault.kind, decision: "pause")
        }
    }

    /// Logs a failed transition once (reconcile retries it every pass).
    private func fail(_ message: String, fault: String) {
        guard lastFailure != message else { return }
        lastFailure = message
        settings.logger.error("\(message)")
        engine.logLifecycle(fault: fault, kind: "lifecycle", decision: "failed", note: message)
    }

    /// The receiver as the control API reports it.
    func status() -> ReceiverStatus {
        let stats = current?.stats.snapshot() ?? .zero
        let ledgerSnapshot = receiver?.ledger.snapshot()
            ?? LedgerSnapshot(events: 0, requests: 0, distinctChunks: 0, duplicateChunkAccepts: 0, rejections: 0, rejectionsByReason: [:])
        let servingTLS = tlsFault.map { $0.profile != .plaintext } ?? (settings.tls != nil)
        return ReceiverStatus(name: name, state: state, bind: settings.bind, port: settings.port, tls: servingTLS,
                              tlsProfile: tlsFault?.profile, security: settings.security != nil, udpHeartbeat: settings.udpHeartbeat,
                              stats: .init(stats), ledger: .init(ledgerSnapshot), faults: engine.statuses())
    }
}
