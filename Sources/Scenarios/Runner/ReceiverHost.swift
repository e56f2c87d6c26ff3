import Logging
import NIOConcurrencyHelpers
import NIOCore
import Simulator

/// One scenario receiver across its lifetime: the `ForwardReceiver` incarnations (a crash stops one, a restart
/// binds a new one on the same address and port), their ledgers, the fault engine and the observations. It also
/// serves the simulator's `tls` fault profiles itself (restart on the same port with other certificates), since the
/// runner, not a `SimulationController`, owns its receivers.
final class ReceiverHost: Sendable {
    let spec: ReceiverSpec
    let engine: FaultEngine
    let hooks: ObservingHooks
    let clock: RunClock
    private let baseSettings: ReceiverSettings
    private let tlsMaterial: TLSMaterial?
    private struct State {
        var current: ForwardReceiver?
        var port: Int
        /// The active `tls` fault: its name and the transport it serves (nil settings: plaintext).
        var tlsFault: (name: String, tls: ReceiverTLSSettings?)?
        var ledgers: [EventLedger] = []
        var stats: [ReceiverStats] = []
    }
    private let state: NIOLockedValueBox<State>

    init(spec: ReceiverSpec, seed: UInt64, faultLog: FaultLog, clock: RunClock, sequenceField: String,
         tls: ReceiverTLSSettings?, port: Int, tlsMaterial: TLSMaterial? = nil) {
        self.spec = spec
        self.tlsMaterial = tlsMaterial
        self.clock = clock
        engine = FaultEngine(receiver: spec.name, seed: seed, log: faultLog)
        hooks = ObservingHooks(engine: engine, clock: clock)
        var s = ReceiverSettings(name: spec.name, bind: spec.bind, port: port)
        s.udpHeartbeat = spec.udpHeartbeat
        s.tls = tls
        if let key = spec.sharedKey { s.security = ReceiverSecurity(selfHostname: spec.name, sharedKey: key) }
        s.ledger = LedgerSettings(sequenceField: sequenceField)
        s.hooks = hooks
        var logger = Logger(label: "fwdlab.scenario.receiver.\(spec.name)")
        logger.logLevel = .critical
        s.logger = logger
        baseSettings = s
        state = NIOLockedValueBox(State(port: port))
    }

    var port: Int { state.withLockedValue { $0.port } }
    var isRunning: Bool { state.withLockedValue { $0.current != nil } }
    var ledgers: [EventLedger] { state.withLockedValue { $0.ledgers } }

    /// Binds (again); with port 0 the first start picks an ephemeral port that later restarts reuse.
    func start() async throws {
        guard !isRunning else { return }
        var s = baseSettings
        s.port = port
        if let fault = state.withLockedValue({ $0.tlsFault }) { s.tls = fault.tls }
        // A restart may race the kernel releasing the port; retry briefly (bounded).
        var lastError: (any Error)?
        for attempt in 0 ..< 20 {
            do {
                let r = try await ForwardReceiver.start(s)
                state.withLockedValue {
                    $0.current = r
                    $0.port = r.port
                    $0.ledgers.append(r.ledger)
                }
                return
            } catch {
                lastError = error
                if s.port == 0 { break }
                try? await Task.sleep(nanoseconds: UInt64(50_000_000 * (attempt < 5 ? 1 : 2)))
            }
        }
        throw lastError ?? ReceiverError.io("cannot start \(spec.name)")
    }

    /// Stops listening and closes every connection (crash); the ledger stays for the evaluation.
    func crash() async {
        let r = state.withLockedValue { s -> ForwardReceiver? in
            let r = s.current
            s.current = nil
            return r
        }
        await r?.stop()
    }

    func applyFault(_ spec: FaultSpec) throws {
        var spec = spec
        // start_after, duration and the durations a fault measures itself run on the engine's real clock: stretch
        // them like every scenario time.
        if clock.scale != 1 {
            spec = try FaultCatalogue.stretch(spec, by: clock.scale)
            spec.startAfterNanos = Int64((Double(spec.startAfterNanos) * clock.scale).rounded())
            spec.durationNanos = spec.durationNanos.map { Int64((Double($0) * clock.scale).rounded()) }
        }
        try engine.add(spec)
    }

    /// The active `tls` fault's name, if any.
    var tlsFaultName: String? { state.withLockedValue { $0.tlsFault?.name } }

    /// Serves a TLS misconfiguration (`spec` is a `tls` fault) until `clearTLSFault`: a running receiver restarts on
    /// the same port with the profile's certificates; the ledger history is kept.
    func applyTLSFault(_ spec: FaultSpec) async throws {
        guard let tlsMaterial else { throw ScenarioRunError.receiver("\(self.spec.name): the tls fault needs the run's test CA") }
        let fault = try TLSFault(parameters: spec.params)
        let tls = try tlsMaterial.settings(for: fault, receiver: self.spec.name, base: baseSettings.tls)
        try await restartServing((spec.name, tls))
        engine.logLifecycle(fault: spec.name, kind: TLSFault.kind, decision: "serve tls profile \(fault.profile.rawValue)")
    }

    /// Restores the configured transport after a `tls` fault.
    func clearTLSFault() async throws {
        guard let name = tlsFaultName else { return }
        try await restartServing(nil)
        engine.logLifecycle(fault: name, kind: TLSFault.kind, decision: "restore configured transport")
    }

    private func restartServing(_ fault: (name: String, tls: ReceiverTLSSettings?)?) async throws {
        let wasRunning = isRunning
        state.withLockedValue { $0.tlsFault = fault }
        guard wasRunning else { return }  // a crashed receiver picks the transport up at its restart
        await crash()
        try await start()
    }

    func removeFault(_ name: String) throws {
        try engine.remove(name)
    }

    /// Counts every heartbeat and connection the receiver saw.
    var observations: [ReceiverObservation] { hooks.observations }
}
