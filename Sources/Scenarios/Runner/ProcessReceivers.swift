import Foundation
import ForwardServer
import NIOConcurrencyHelpers
import Simulator

#if canImport(Glibc)
import Glibc
#endif

/// A scenario's receivers as real `fwdlab receiver` processes under real signals (`fwdlab run --receivers process`):
/// `pause` is SIGSTOP and `resume` SIGCONT, `crash` is SIGKILL and `restart` a new process on the same port, `refuse`
/// kills the process so the port is closed (ECONNREFUSED; unlike the simulated `refuse`, open connections are reset
/// too). Deliveries are read back from each process's ledger file, written before every ack (`--ledger-sync`). This is
/// the reference the simulated faults are checked against (docs/faults.md, "Checked against real processes").
final class ProcessReceivers: ScenarioReceivers {
    /// Receiver settings a process cannot take, with what to say about them.
    static func unsupported(_ scenario: Scenario) -> String? {
        if !scenario.dns.isEmpty { return "DNS scenarios (receivers sharing one port) need simulated receivers" }
        for r in scenario.receivers {
            if r.tls { return "receiver '\(r.name)': tls needs simulated receivers" }
            if !r.udpHeartbeat { return "receiver '\(r.name)': udp_heartbeat false needs simulated receivers" }
            if let f = r.faults.first { return "receiver '\(r.name)': fault '\(f.kind)' under faults: needs simulated receivers" }
        }
        return nil
    }

    private struct Receiver {
        var spec: ReceiverSpec
        var port: Int
        var process: ChildAgentProcess?
        /// Ledger files of every incarnation, oldest first.
        var ledgers: [String] = []
        var stopped = false
        /// Names of the faults in force (`refuse`, `crash` or a step id).
        var faults: [String] = []
    }

    private let executable: String
    private let workdir: String
    private let sequenceField: String
    private let order: [String]
    private let state: NIOLockedValueBox<[String: Receiver]>
    private let log = NIOLockedValueBox<[(nanos: UInt64, receiver: String, fault: String, kind: String, decision: String)]>([])

    init(scenario: Scenario, executable: String, workdir: String) throws {
        if let why = Self.unsupported(scenario) { throw ScenarioRunError.environment("--receivers process: \(why)") }
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ScenarioRunError.environment("--receivers process: \(executable) is not an executable fwdlab")
        }
        self.executable = executable
        self.workdir = workdir
        sequenceField = scenario.load.sequenceField
        order = scenario.receivers.map(\.name)
        var receivers: [String: Receiver] = [:]
        for spec in scenario.receivers {
            receivers[spec.name] = Receiver(spec: spec, port: try PortAllocator.freeTCPPort())
        }
        state = NIOLockedValueBox(receivers)
    }

    func start() async throws {
        for name in order where state.withLockedValue({ $0[name]!.spec.startsUp }) {
            try await spawn(name)
        }
    }

    func stop() async {
        for name in order {
            guard let p = state.withLockedValue({ s -> ChildAgentProcess? in
                let p = s[name]?.process
                s[name]?.process = nil
                return p
            }) else { continue }
            // A stopped process only takes SIGTERM once it runs again.
            p.signal(SIGCONT)
            await p.terminate(grace: 5)
        }
    }

    var caPath: String { "" }

    func port(of name: String) async throws -> Int { try receiver(name).port }

    func deliveredCount() -> Int { order.reduce(0) { $0 + events(of: $1).count } }

    func deliveredSequences() -> Set<Int64> {
        var out = Set<Int64>()
        for name in order { for e in events(of: name) { if let s = e.seq { out.insert(s) } } }
        return out
    }

    func deliveries(clock: RunClock) -> [Delivery] {
        order.flatMap { name in
            events(of: name).map {
                Delivery(time: clock.seconds(monotonicNanos: $0.monotonicNanos), receiver: name, seq: $0.seq, chunk: $0.chunk,
                         request: $0.request)
            }
        }
    }

    func observations(of name: String) -> [ReceiverObservation] { [] }

    func faultLogRecords(clock: RunClock) -> [FaultLogEntryRecord] {
        log.withLockedValue { $0 }.map {
            FaultLogEntryRecord(time: clock.seconds(monotonicNanos: $0.nanos), receiver: $0.receiver, fault: $0.fault,
                                kind: $0.kind, hook: "process", decision: $0.decision, note: nil)
        }
    }

    func addFault(_ spec: FaultSpec, to receiver: String) async throws {
        guard spec.startAfterNanos == 0, spec.durationNanos == nil else {
            throw ScenarioRunError.environment("--receivers process: fault '\(spec.name)' on '\(receiver)' has start_after/duration; steps time real-process faults")
        }
        switch spec.kind {
        case RefuseFault.kind, CrashFault.kind: try await kill(receiver, fault: spec.name, kind: spec.kind)
        case PauseFault.kind: try await pause(receiver, name: spec.name)
        default:
            throw ScenarioRunError.environment("--receivers process: fault kind '\(spec.kind)' has no real-process counterpart (refuse, crash, pause do)")
        }
    }

    func removeFault(_ name: String, from receiver: String) async throws {
        let r = try self.receiver(receiver)
        guard r.faults.contains(name) else {
            throw ScenarioRunError.environment("receiver '\(receiver)' has no fault named '\(name)'")
        }
        state.withLockedValue { $0[receiver]!.faults.removeAll { $0 == name } }
        if r.stopped { try await resume(receiver) } else if r.process == nil { try await spawn(receiver) }
    }

    func crash(_ receiver: String, name: String) async throws { try await kill(receiver, fault: name, kind: CrashFault.kind) }

    func restart(_ receiver: String) async throws {
        let r = try self.receiver(receiver)
        guard r.process == nil else { throw ScenarioRunError.environment("restart: receiver '\(receiver)' is running") }
        state.withLockedValue { $0[receiver]!.faults.removeAll() }
        try await spawn(receiver)
    }

    func pause(_ receiver: String, name: String) async throws {
        let r = try self.receiver(receiver)
        guard let p = r.process else { throw ScenarioRunError.environment("pause: receiver '\(receiver)' is not running") }
        p.signal(SIGSTOP)
        state.withLockedValue {
            $0[receiver]!.stopped = true
            $0[receiver]!.faults.append(name)
        }
        note(receiver, fault: name, kind: PauseFault.kind, decision: "SIGSTOP pid \(p.pid)")
    }

    func resume(_ receiver: String) async throws {
        let r = try self.receiver(receiver)
        guard let p = r.process, r.stopped else { throw ScenarioRunError.environment("resume: receiver '\(receiver)' is not paused") }
        p.signal(SIGCONT)
        state.withLockedValue {
            $0[receiver]!.stopped = false
            $0[receiver]!.faults.removeAll()
        }
        note(receiver, fault: "resume", kind: PauseFault.kind, decision: "SIGCONT pid \(p.pid)")
    }

    // MARK: Processes

    private func receiver(_ name: String) throws -> Receiver {
        guard let r = state.withLockedValue({ $0[name] }) else {
            throw ScenarioRunError.environment("unknown receiver '\(name)'")
        }
        return r
    }

    /// SIGKILL (a stopped process dies too); the kernel resets its connections and closes its port.
    private func kill(_ name: String, fault: String, kind: String) async throws {
        let r = try receiver(name)
        guard let p = r.process else { throw ScenarioRunError.environment("\(kind): receiver '\(name)' is not running") }
        await p.kill()
        state.withLockedValue {
            $0[name]!.process = nil
            $0[name]!.stopped = false
            $0[name]!.faults.append(fault)
        }
        note(name, fault: fault, kind: kind, decision: "SIGKILL pid \(p.pid)")
    }

    /// Starts the next incarnation on the receiver's port and waits (bounded) until it accepts connections.
    private func spawn(_ name: String) async throws {
        let r = try receiver(name)
        let n = r.ledgers.count
        let ledger = (workdir as NSString).appendingPathComponent("receiver-\(name)-\(n).jsonl")
        var argv = [executable, "receiver", "--name", name, "--bind", r.spec.bind, "--port", String(r.port),
                    "--ledger", ledger, "--ledger-sync", "--seq-field", sequenceField, "--log-level", "warning",
                    "--fluentd-version", r.spec.fluentdVersion.rawValue]
        if let key = r.spec.sharedKey {
            let conf = (workdir as NSString).appendingPathComponent("receiver-\(name).conf")
            let text = "<source>\n  @type forward\n  <security>\n    self_hostname \(name)\n    shared_key \(key)\n  </security>\n</source>\n"
            try text.write(toFile: conf, atomically: true, encoding: .utf8)
            argv += ["--config", conf]
        }
        let logPath = (workdir as NSString).appendingPathComponent("receiver-\(name)-\(n).log")
        let p = try ChildAgentProcess(label: "fwdlab receiver \(name)", argv: argv, logPath: logPath)
        state.withLockedValue {
            $0[name]!.process = p
            $0[name]!.ledgers.append(ledger)
        }
        try await p.waitUntilListening(port: r.port, seconds: 15, host: r.spec.bind)
        note(name, fault: n == 0 ? "start" : "restart", kind: "lifecycle", decision: "started pid \(p.pid)")
    }

    private func note(_ receiver: String, fault: String, kind: String, decision: String) {
        let now = MonotonicClock.nowNanos()
        log.withLockedValue { $0.append((now, receiver, fault, kind, decision)) }
    }

    /// One line of a receiver's ledger file.
    struct LedgerLine: Decodable {
        var arrival_mono_ns: UInt64
        var peer: String
        var chunk: String?
        var seq: Int64?
    }

    /// Every event the receiver's incarnations wrote, with request numbers (lines of one request share arrival, peer
    /// and chunk). Lines are written whole before each ack; one that does not parse (cut short by a kill mid-write)
    /// is not counted as delivered.
    private func events(of name: String) -> [(monotonicNanos: UInt64, seq: Int64?, chunk: String?, request: Int)] {
        let files = state.withLockedValue { $0[name]?.ledgers ?? [] }
        var out: [(UInt64, Int64?, String?, Int)] = []
        var request = -1
        let decoder = JSONDecoder()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            var last: (UInt64, String, String?)?
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                guard let l = try? decoder.decode(LedgerLine.self, from: Data(line)) else { continue }
                let key = (l.arrival_mono_ns, l.peer, l.chunk)
                if last.map({ $0 != key }) ?? true { request += 1 }
                last = key
                out.append((l.arrival_mono_ns, l.seq, l.chunk, request))
            }
        }
        return out
    }
}
