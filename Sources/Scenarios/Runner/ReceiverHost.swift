import Logging
import NIOConcurrencyHelpers
import NIOCore
import Simulator

/// One scenario receiver across its lifetime: the `ForwardReceiver` incarnations (a crash stops one, a restart
/// binds a new one on the same address and port), their ledgers, the fault engine and the observations.
final class ReceiverHost: Sendable {
    let spec: ReceiverSpec
    let engine: FaultEngine
    let hooks: ObservingHooks
    let clock: RunClock
    private let baseSettings: ReceiverSettings
    private struct State {
        var current: ForwardReceiver?
        var port: Int
        var ledgers: [EventLedger] = []
        var stats: [ReceiverStats] = []
    }
    private let state: NIOLockedValueBox<State>

    init(spec: ReceiverSpec, seed: UInt64, faultLog: FaultLog, clock: RunClock, sequenceField: String,
         tls: ReceiverTLSSettings?, port: Int) {
        self.spec = spec
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
        try engine.add(spec)
    }

    func removeFault(_ name: String) throws {
        try engine.remove(name)
    }

    /// Counts every heartbeat and connection the receiver saw.
    var observations: [ReceiverObservation] { hooks.observations }
}
