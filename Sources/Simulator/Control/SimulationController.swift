import Foundation
import ForwardServer
import Logging
import NIOCore
import NIOPosix

/// Runs the receivers of a topology and lets tests, scenarios and the HTTP control API change their
/// faults at run time: add/update/remove/enable faults on one receiver or all, crash/restart/pause/
/// resume receivers, read ledgers, fault counters and the fault log.
public actor SimulationController {
    /// The run's seed: every fault's random stream derives from it (printed at start for replays).
    public nonisolated let seed: UInt64
    /// Every applied fault of the run.
    public nonisolated let faultLog: FaultLog
    /// The test PKI (nil when the topology needs no TLS and TLS faults are unused).
    public nonisolated let tlsMaterial: TLSMaterial?
    private let topology: Topology
    private let hooks: (@Sendable (FaultEngine) -> any ReceiverFaultHooks)?
    private var managed: [ManagedReceiver] = []
    private var reconciler: Task<Void, Never>?
    private var apiCounter = 0
    private let logger: Logger

    /// Prepares the topology's receivers (nothing is bound until `start()`). Each receiver runs on an event loop of
    /// its own (so a pause stops it alone). `hooks`, when given, wraps each receiver's fault engine in what the
    /// server calls (e.g. to record what it sees).
    public init(topology: Topology, logger: Logger = Logger(label: "fwdlab.simulate"),
                hooks: (@Sendable (FaultEngine) -> any ReceiverFaultHooks)? = nil) throws {
        self.topology = topology
        self.hooks = hooks
        self.logger = logger
        seed = topology.seed ?? UInt64.random(in: 1 ... UInt64.max)
        faultLog = FaultLog()
        let dir = topology.tlsDirectory ?? (NSTemporaryDirectory() as NSString)
            .appendingPathComponent("fwdlab-sim-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0 ... .max))")
        tlsMaterial = try TLSMaterial(directory: dir)
        var names = Set<String>()
        for r in topology.receivers {
            guard names.insert(r.settings.name).inserted else {
                throw FaultError.unsupported("two receivers are named '\(r.settings.name)'")
            }
            guard r.settings.name != "all" else { throw FaultError.unsupported("'all' is reserved and cannot name a receiver") }
        }
    }

    /// Binds every receiver, installs the topology's faults and starts applying receiver-wide effects.
    public func start() async throws {
        for r in topology.receivers {
            var settings = r.settings
            if topology.sharedPort, let first = managed.first { settings.port = await first.port }
            if r.tlsFromTestCA, let tlsMaterial {
                let (cert, key) = try tlsMaterial.validServer(name: settings.name)
                var tls = settings.tls ?? ReceiverTLSSettings()
                tls.certPath = cert
                tls.privateKeyPath = key
                settings.tls = tls
            }
            let engine = FaultEngine(receiver: settings.name, seed: seed, log: faultLog)
            let m = ManagedReceiver(settings: settings, engine: engine, hooks: hooks?(engine), tlsMaterial: tlsMaterial)
            do {
                try await m.start()
            } catch {
                for started in managed { await started.stop() }
                managed = []
                throw error
            }
            managed.append(m)
            for spec in r.faults { try engine.add(spec) }
            for spec in topology.faults { try engine.add(spec) }
        }
        await reconcileAll()
        reconciler = Task { [weak self] in
            // Effects with delays (crash/restart, pause/resume, start_after/duration windows) are
            // polled every 2 ms: transitions land within a few milliseconds of their due time.
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(2))
                await self?.reconcileAll()
            }
        }
        for action in topology.schedule { scheduleAction(action) }
    }

    /// Stops every receiver (ledgers are flushed and closed).
    public func stop() async {
        // The poller's last pass must be over before the receivers stop, or it could act on one mid-stop.
        let poller = reconciler
        reconciler = nil
        poller?.cancel()
        await poller?.value
        for m in managed { await m.stop() }
    }

    private func reconcileAll() async {
        for m in managed { await m.reconcile() }
    }

    private func receivers(_ target: FaultTarget) throws -> [ManagedReceiver] {
        switch target {
        case .all: return managed
        case let .receiver(name):
            guard let m = managed.first(where: { $0.name == name }) else { throw FaultError.noSuchReceiver(name) }
            return [m]
        }
    }

    // MARK: Receivers

    /// Receiver names in topology order.
    public func receiverNames() -> [String] { managed.map(\.name) }

    /// Every receiver's status.
    public func statuses() async -> [ReceiverStatus] {
        var out: [ReceiverStatus] = []
        for m in managed { out.append(await m.status()) }
        return out
    }

    /// One receiver's status.
    public func status(of name: String) async throws -> ReceiverStatus {
        try await receivers(.receiver(name))[0].status()
    }

    /// The bound port of a receiver.
    public func port(of name: String) async throws -> Int {
        try await receivers(.receiver(name))[0].port
    }

    /// A receiver's fault engine (for in-process use, e.g. adding a typed fault).
    public func engine(of name: String) throws -> FaultEngine {
        try receivers(.receiver(name))[0].engine
    }

    /// A receiver's ledger: everything it accepted since the start, across crashes and restarts.
    public func ledger(of name: String) async throws -> EventLedger {
        guard let l = try await receivers(.receiver(name))[0].eventLedger else { throw FaultError.noSuchReceiver(name) }
        return l
    }

    /// When each generation of a receiver's server started (monotonic ns, oldest first): the first
    /// start, then every restart after a crash or a TLS profile change.
    public func serverStarts(of name: String) async throws -> [UInt64] {
        try await receivers(.receiver(name))[0].serverStarts
    }

    // MARK: Faults

    /// Installs a fault on one receiver or all; returns the installed faults' statuses.
    @discardableResult
    public func addFault(_ spec: FaultSpec, to target: FaultTarget) async throws -> [FaultStatus] {
        let targets = try receivers(target)
        // Validate once and check names before touching any receiver, so "all" is all-or-nothing.
        try spec.validate()
        _ = try FaultCatalogue.make(kind: spec.kind, parameters: spec.params)
        for m in targets where (try? m.engine.status(spec.name)) != nil {
            throw FaultError.duplicateName(receiver: m.name, name: spec.name)
        }
        var out: [FaultStatus] = []
        for m in targets { out.append(try m.engine.add(spec)) }
        await reconcileAll()
        return out
    }

    /// Changes a fault on one receiver or all (every addressed receiver must have it).
    @discardableResult
    public func updateFault(_ name: String, on target: FaultTarget, _ update: FaultUpdate) async throws -> [FaultStatus] {
        let targets = try receivers(target)
        for m in targets { _ = try m.engine.status(name) }
        var out: [FaultStatus] = []
        for m in targets {
            out.append(try m.engine.update(name, params: update.params, probability: update.probability, enabled: update.enabled,
                                           startAfterNanos: update.startAfterNanos, durationNanos: update.durationNanos))
        }
        await reconcileAll()
        return out
    }

    /// Switches a fault on or off.
    @discardableResult
    public func setFaultEnabled(_ name: String, on target: FaultTarget, _ enabled: Bool) async throws -> [FaultStatus] {
        try await updateFault(name, on: target, FaultUpdate(enabled: enabled))
    }

    /// Removes a fault from one receiver or all (every addressed receiver must have it).
    @discardableResult
    public func removeFault(_ name: String, from target: FaultTarget) async throws -> [FaultStatus] {
        let targets = try receivers(target)
        for m in targets { _ = try m.engine.status(name) }
        var out: [FaultStatus] = []
        for m in targets { out.append(try m.engine.remove(name)) }
        await reconcileAll()
        return out
    }

    /// The faults installed on a receiver.
    public func faults(of name: String) throws -> [FaultStatus] {
        try receivers(.receiver(name))[0].engine.statuses()
    }

    /// One installed fault.
    public func fault(_ fault: String, of name: String) throws -> FaultStatus {
        try receivers(.receiver(name))[0].engine.status(fault)
    }

    /// Applications per `receiver/fault` since the start (or the last reset).
    public nonisolated func faultCounters() -> [String: Int] { faultLog.counts() }

    /// Fault-log entries with `index >= since`.
    public nonisolated func faultLogEntries(since: Int = 0, limit: Int = 10_000) -> [FaultLogEntry] {
        faultLog.entries(since: since, limit: limit)
    }

    // MARK: Lifecycle actions (each is a fault, so it shows in listings and the log)

    private func nextAPIName(_ kind: String) -> String {
        apiCounter += 1
        return "\(kind)-\(apiCounter)"
    }

    /// Crashes receivers now; they restart after `restartAfterNanos` (nil: on `restart`). `name` names the crash
    /// fault (default `crash-N`).
    @discardableResult
    public func crash(_ target: FaultTarget, restartAfterNanos: Int64? = nil, name: String? = nil) async throws -> [FaultStatus] {
        try await addFault(FaultSpec(kind: CrashFault.kind, name: name ?? nextAPIName("crash"),
                                     params: restartAfterNanos.map { ["restart_after": .string(DurationText.format($0))] } ?? [:]), to: target)
    }

    /// Restarts crashed receivers now (removes their crash faults).
    public func restart(_ target: FaultTarget) async throws {
        for m in try receivers(target) {
            for s in m.engine.statuses() where s.spec.kind == CrashFault.kind { _ = try? m.engine.remove(s.spec.name) }
        }
        await reconcileAll()
    }

    /// Pauses receivers now (SIGSTOP-like); they resume after `resumeAfterNanos` (nil: on `resume`). `name` names
    /// the pause fault (default `pause-N`).
    @discardableResult
    public func pause(_ target: FaultTarget, resumeAfterNanos: Int64? = nil, name: String? = nil) async throws -> [FaultStatus] {
        try await addFault(FaultSpec(kind: PauseFault.kind, name: name ?? nextAPIName("pause"),
                                     params: resumeAfterNanos.map { ["duration": .string(DurationText.format($0))] } ?? [:]), to: target)
    }

    /// Resumes paused receivers now (removes their pause faults).
    public func resume(_ target: FaultTarget) async throws {
        for m in try receivers(target) {
            for s in m.engine.statuses() where s.spec.kind == PauseFault.kind { _ = try? m.engine.remove(s.spec.name) }
        }
        await reconcileAll()
    }

    /// Removes every fault, which restarts, resumes and restores every receiver; the log is kept
    /// unless `clearLog`.
    public func reset(clearLog: Bool = false) async {
        for m in managed { m.engine.removeAll() }
        await reconcileAll()
        if clearLog { faultLog.clear() }
    }

    // MARK: Scheduled actions

    private func scheduleAction(_ action: ScheduledAction) {
        Task { [weak self] in
            try? await Task.sleep(for: .nanoseconds(action.atNanos))
            await self?.perform(action)
        }
    }

    /// Runs one scheduled action now (errors are logged, not thrown: the run goes on).
    public func perform(_ action: ScheduledAction) async {
        do {
            let target = FaultTarget(action.receiver)
            switch action.action {
            case .crash: try await crash(target, restartAfterNanos: action.durationNanos)
            case .restart: try await restart(target)
            case .pause: try await pause(target, resumeAfterNanos: action.durationNanos)
            case .resume: try await resume(target)
            case .enable: try await setFaultEnabled(action.fault ?? "", on: target, true)
            case .disable: try await setFaultEnabled(action.fault ?? "", on: target, false)
            case .remove: try await removeFault(action.fault ?? "", from: target)
            case .add:
                if let spec = action.spec { try await addFault(spec, to: target) }
            }
        } catch {
            logger.error("scheduled action failed", metadata: ["action": .string(action.action.rawValue), "error": .string("\(error)")])
        }
    }
}
