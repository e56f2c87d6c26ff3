import Foundation
import ForwardServer
import Logging
import NIOConcurrencyHelpers
import Simulator

/// A scenario's receivers in-process: one `SimulationController`, the simulator's receiver lifecycle, built from the
/// scenario's receiver specs, so a fault behaves the same in a scenario's `faults:`, in a timeline step, in a topology
/// and through the control API. Adds what a run needs on top: fault times stretched by the time scale and what each
/// receiver's hooks observed (heartbeats, accepts).
final class SimulatedReceivers: ScenarioReceivers {
    let controller: SimulationController
    let specs: [ReceiverSpec]
    let clock: RunClock
    private let observers: NIOLockedValueBox<[String: ObservingHooks]>
    /// Each receiver's one ledger (it survives crashes and restarts), known once started.
    private let ledgerList = NIOLockedValueBox<[(name: String, ledger: EventLedger)]>([])

    /// Prepares the receivers (nothing binds until `start()`); the test CA, when any receiver or fault needs TLS,
    /// goes into `tlsDirectory`.
    init(scenario: Scenario, seed: UInt64, clock: RunClock, tlsDirectory: String) throws {
        specs = scenario.receivers
        self.clock = clock
        var topology = Topology(seed: seed, tlsDirectory: tlsDirectory)
        topology.sharedPort = !scenario.dns.isEmpty
        for spec in scenario.receivers {
            var s = ReceiverSettings(name: spec.name, bind: spec.bind, port: 0)
            s.adopt(spec.fluentdVersion)
            s.udpHeartbeat = spec.udpHeartbeat
            if let key = spec.sharedKey { s.security = ReceiverSecurity(selfHostname: spec.name, sharedKey: key) }
            s.ledger = LedgerSettings(sequenceField: scenario.load.sequenceField)
            var logger = Logger(label: "fwdlab.scenario.receiver.\(spec.name)")
            logger.logLevel = .critical
            s.logger = logger
            var faults = try spec.faults.map { try Self.stretch($0, by: clock.scale) }
            // A receiver that "does not start" still needs a port the agent can be pointed at: it binds, then crashes.
            if !spec.startsUp { faults.insert(FaultSpec(kind: CrashFault.kind, name: "not-started"), at: 0) }
            topology.receivers.append(Topology.Receiver(settings: s, tlsFromTestCA: spec.tls, faults: faults))
        }
        let observers = NIOLockedValueBox<[String: ObservingHooks]>([:])
        self.observers = observers
        controller = try SimulationController(topology: topology, hooks: { engine in
            let h = ObservingHooks(engine: engine, clock: clock)
            observers.withLockedValue { $0[engine.receiver] = h }
            return h
        })
    }

    /// Binds every receiver and puts its `faults:` in force.
    func start() async throws {
        try await controller.start()
        var out: [(String, EventLedger)] = []
        for s in specs { out.append((s.name, try await controller.ledger(of: s.name))) }
        ledgerList.withLockedValue { $0 = out }
    }

    /// Stops every receiver; ledgers stay readable.
    func stop() async { await controller.stop() }

    /// The CA the agent should trust for TLS receivers.
    var caPath: String { controller.tlsMaterial?.caPath ?? "" }

    func port(of name: String) async throws -> Int { try await controller.port(of: name) }

    func deliveredCount() -> Int { ledgerList.withLockedValue { $0 }.reduce(0) { $0 + $1.ledger.count } }

    func deliveredSequences() -> Set<Int64> {
        var seen = Set<Int64>()
        for (_, l) in ledgerList.withLockedValue({ $0 }) { for s in l.sequenceNumbers() { if let s { seen.insert(s) } } }
        return seen
    }

    func deliveries(clock: RunClock) -> [Delivery] {
        var out: [Delivery] = []
        for (name, ledger) in ledgerList.withLockedValue({ $0 }) {
            for e in ledger.events() {
                out.append(Delivery(time: clock.seconds(monotonicNanos: e.arrivalMonotonicNanos), receiver: name,
                                    seq: e.seq, chunk: e.chunkID, request: e.requestIndex))
            }
        }
        return out
    }

    /// What a receiver's hooks observed.
    func observations(of name: String) -> [ReceiverObservation] {
        observers.withLockedValue { $0[name] }?.observations ?? []
    }

    func faultLogRecords(clock: RunClock) -> [FaultLogEntryRecord] {
        controller.faultLog.entries().map {
            FaultLogEntryRecord(time: clock.seconds(monotonicNanos: $0.monotonicNanos), receiver: $0.receiver, fault: $0.fault,
                                kind: $0.kind, hook: $0.hook, decision: $0.decision, note: $0.note, target: $0.target)
        }
    }

    func addFault(_ spec: FaultSpec, to receiver: String) async throws {
        try await controller.addFault(try Self.stretch(spec, by: clock.scale), to: .receiver(receiver))
    }

    func removeFault(_ name: String, from receiver: String) async throws {
        try await controller.removeFault(name, from: .receiver(receiver))
    }

    func crash(_ receiver: String, name: String) async throws { try await controller.crash(.receiver(receiver), name: name) }
    func restart(_ receiver: String) async throws { try await controller.restart(.receiver(receiver)) }
    func pause(_ receiver: String, name: String) async throws { try await controller.pause(.receiver(receiver), name: name) }
    func resume(_ receiver: String) async throws { try await controller.resume(.receiver(receiver)) }

    /// `start_after`, `duration` and the durations a fault measures itself run on the receivers' real clock:
    /// stretch them like every scenario time.
    static func stretch(_ spec: FaultSpec, by scale: Double) throws -> FaultSpec {
        guard scale != 1 else { return spec }
        var s = try FaultCatalogue.stretch(spec, by: scale)
        s.startAfterNanos = Int64((Double(s.startAfterNanos) * scale).rounded())
        s.durationNanos = s.durationNanos.map { Int64((Double($0) * scale).rounded()) }
        return s
    }
}
