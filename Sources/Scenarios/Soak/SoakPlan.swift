import Agent
import Foundation
import Simulator

/// The seeded schedule of a fault soak (docs/soak.md): every receiver fault of the catalogue, DNS answer changes, RPC
/// flushes and reloads and kill -9 of the agent, written as one generated scenario for the existing runner.
public struct SoakPlan: Sendable, Equatable {
    /// What a step does, for coverage and for reading the record back.
    public enum Category: String, Sendable, Equatable, Codable {
        case fault, faultEnd = "fault_end", dns, dnsRestore = "dns_restore", flush, reload, kill, restart
    }

    /// One timeline step: its time, id and the YAML map the scenario gets.
    public struct Step: Sendable, Equatable {
        public var at: Double
        public var id: String
        public var category: Category
        /// The fault kind of a `fault` step; nil otherwise.
        public var kind: String?
        public var receiver: String?
        /// The step's YAML action (`apply: {…}`, `agent: kill`, …), without id and time.
        public var action: String
    }

    public let seed: UInt64
    /// Seconds of load and timeline (the drain comes after).
    public let duration: Double
    public let steps: [Step]

    /// The three simulated receivers; r3's `<server>` is a DNS name whose answer the plan moves.
    public static let receivers = ["r1", "r2", "r3"]
    public static let dnsName = "r3.soak.fwdlab.test"
    /// Events per second into the agent's forward input.
    public static let rate = 200.0
    /// The agent's retry settings: what the stuck check's bound derives from (`retryLimit`).
    public static let ackResponseTimeout = 2.0
    public static let retryMaxInterval = 4.0
    /// The longest a chunk may legitimately wait before its next attempt: an ack that never comes, then the
    /// longest retry backoff. No delivery for 2 × this while a receiver is healthy is a stuck state.
    public static var retryLimit: Double { ackResponseTimeout + retryMaxInterval }
    /// Time after the last disturbance for the agent to deliver its backlog before the drain (so the last process
    /// samples are taken in a steady state too).
    public static func quietTail(_ duration: Double) -> Double { max(15, duration * 0.1) }
    /// Time for the agent's ready input and first heartbeats before the first disturbance.
    public static let lead = 5.0
    /// Seconds the runner waits after the timeline for every acked event to arrive.
    public static let drain = 25.0

    /// Fault kinds the plan covers: the simulator's whole catalogue (`crash` and `pause` as the timeline's own
    /// crash/restart and pause/resume steps, which install those faults).
    public static var faultKinds: [String] { FaultCatalogue.kinds }

    public var faultKinds: Set<String> { Set(steps.compactMap(\.kind)) }
    public func count(_ c: Category) -> Int { steps.filter { $0.category == c }.count }

    /// The schedule for `duration` seconds and `seed`: the same pair gives the same plan.
    public static func make(duration: Double, seed: UInt64) -> SoakPlan {
        var rng = SeededRandom(seed: seed ^ 0x50A4_F00D_1234_5678)
        var steps: [Step] = []
        let faultEnd = max(lead, duration - quietTail(duration))
        func u(_ lo: Double, _ hi: Double) -> Double { ((lo + (hi - lo) * rng.nextUnit()) * 1000).rounded() / 1000 }

        // kill -9 every few minutes; the first one early enough that a one-minute soak has one too.
        var down: [ClosedRange<Double>] = []
        var k = u(0.35, 0.55) * min(duration, 180)
        var n = 0
        while k + 10 < faultEnd {
            n += 1
            let restart = k + u(2, 5)
            steps.append(Step(at: k, id: "kill\(n)", category: .kill, action: "agent: kill"))
            steps.append(Step(at: restart, id: "restart\(n)", category: .restart, action: "agent: restart"))
            // The restart step returns once the input listens (≤ 15 s); RPC steps keep clear of the whole window.
            down.append(k - 1 ... restart + 5)
            k += u(120, 240)
        }
        func agentUp(_ t: Double) -> Bool { !down.contains { $0.contains(t) } }
        func nextUp(_ t: Double) -> Double { down.first { $0.contains(t) }.map { $0.upperBound + 0.5 } ?? t }

        // Receiver faults in two slots, never on the same receiver at once: one receiver is always healthy, so a
        // delivery gap is the agent's, not the plan's. Kinds come from a shuffled bag, so every kind is used before
        // any repeats.
        var bag: [String] = []
        var slotFree = [lead, lead + u(1, 4)]
        var slotBusy: [(receiver: String, until: Double)?] = [nil, nil]
        var f = 0
        while true {
            let slot = slotFree[0] <= slotFree[1] ? 0 : 1
            let start = slotFree[slot] + u(1, 4)
            let length = u(4, 9)
            guard start + length <= faultEnd else { break }
            if bag.isEmpty { bag = faultKinds.shuffled(using: &rng) }
            let kind = bag.removeFirst()
            let other = slotBusy[1 - slot].flatMap { $0.until > start ? $0.receiver : nil }
            let choices = receivers.filter { $0 != other }
            let r = choices[rng.nextInt(below: choices.count)]
            f += 1
            let id = "f\(f)-\(kind)-\(r)"
            let (open, close) = faultActions(kind: kind, receiver: r, name: "f\(f)", rng: &rng)
            steps.append(Step(at: start, id: id, category: .fault, kind: kind, receiver: r, action: open))
            steps.append(Step(at: start + length, id: id + "-end", category: .faultEnd, kind: nil, receiver: r, action: close))
            slotBusy[slot] = (r, start + length)
            slotFree[slot] = start + length
        }

        // DNS: r3's name answers elsewhere, or fails, for a few seconds, then answers r3 again.
        let dnsChanges = ["{name: \(dnsName), addresses: [r2]}", "{name: \(dnsName), addresses: [r1, r3]}",
                          "{name: \(dnsName), behaviour: servfail}", "{name: \(dnsName), behaviour: nxdomain}"]
        var t = lead + u(5, 20)
        n = 0
        while t + 8 < faultEnd {
            n += 1
            let back = t + u(4, 8)
            let change = dnsChanges[rng.nextInt(below: dnsChanges.count)]
            steps.append(Step(at: t, id: "dns\(n)", category: .dns, receiver: "r3", action: "dns: \(change)"))
            steps.append(Step(at: back, id: "dns\(n)-restore", category: .dnsRestore, receiver: "r3",
                              action: "dns: {name: \(dnsName), addresses: [r3], behaviour: answer}"))
            t = back + u(10, 25)
        }

        // RPC flushes and graceful reloads over the agent's rpc_endpoint, never while it is down.
        for (category, first, gap) in [(Category.flush, (3.0, 12.0), (10.0, 25.0)), (.reload, (12.0, 30.0), (30.0, 60.0))] {
            t = lead + u(first.0, first.1)
            n = 0
            while t < faultEnd {
                let at = nextUp(t)
                if agentUp(at), at < faultEnd {
                    n += 1
                    let id = category == .flush ? "flush\(n)" : "reload\(n)"
                    steps.append(Step(at: at, id: id, category: category, action: category == .flush ? "rpc: flush" : "rpc: reload"))
                }
                t = at + u(gap.0, gap.1)
            }
        }
        steps.sort { $0.at != $1.at ? $0.at < $1.at : $0.id < $1.id }
        return SoakPlan(seed: seed, duration: duration, steps: steps)
    }

    /// The opening and closing YAML actions of one fault on `receiver`.
    static func faultActions(kind: String, receiver r: String, name: String, rng: inout SeededRandom) -> (String, String) {
        switch kind {
        case CrashFault.kind: return ("crash: \(r)", "restart: \(r)")
        case PauseFault.kind: return ("pause: \(r)", "resume: \(r)")
        default:
            let (params, probability) = faultParameters(kind, rng: &rng)
            var body = "receiver: \(r), kind: \(kind), name: \(name)"
            if let probability { body += ", probability: \(probability)" }
            if !params.isEmpty { body += ", params: {\(params)}" }
            return ("apply: {\(body)}", "remove: {receiver: \(r), fault: \(name)}")
        }
    }

    /// Parameters that make each kind bite within a few seconds of load at `rate` (a chunk of ~40 events every
    /// 0.2 s); the catalogue's meaning of each is in docs/faults.md.
    static func faultParameters(_ kind: String, rng: inout SeededRandom) -> (String, Double?) {
        func pick(_ options: [String]) -> String { options[rng.nextInt(below: options.count)] }
        switch kind {
        case "latency":
            return ("stage: \(pick(["ack", "read", "heartbeat"])), distribution: uniform, min: 50ms, max: 600ms", nil)
        case "heartbeat_drop": return ("direction: \(pick(["request", "reply"]))", 0.6)
        case "heartbeat_burst_loss": return ("p: 0.2, r: 0.2", nil)
        case "heartbeat_blackout": return ("length: 3s, period: 5s", nil)
        case "heartbeat_wrong_port": return ("", nil)
        case "ack_drop": return ("every: 2", nil)
        case "ack_delay": return ("delay: 3s", 0.5)  // past ack_response_timeout: resent, duplicated
        case "ack_duplicate": return ("", nil)
        case "ack_reorder": return ("depth: 1", nil)
        case "ack_wrong_id": return ("every: 2", nil)
        case "ack_close": return ("mode: \(pick(["fin", "rst"]))", 0.3)
        case "ack_without_accept": return ("limit: 1", nil)  // one chunk the receiver loses after acking (docs/soak.md)
        case "reset_on_accept": return ("mode: \(pick(["rst", "fin"]))", nil)
        case "read_stall": return ("after_bytes: 20000, duration: 3s", nil)
        case "slow_reader": return ("rate: 4000", nil)
        case "close_after_bytes": return ("bytes: 30000, mode: \(pick(["fin", "rst"]))", nil)
        case "idle_timeout": return ("idle: 300ms, mode: \(pick(["rst", "fin", "blackhole"]))", nil)
        case "helo_split": return ("segments: 3, delay: 100ms", nil)
        case "helo_malformed":
            return ("variant: \(pick(["not_array", "wrong_tag", "one_element", "options_not_map", "truncated", "garbage"]))", nil)
        case "tls": return ("profile: tls_required", nil)  // a TLS server where the agent speaks plaintext
        case "chunk_size_limit": return ("limit: 2000", nil)
        default: return ("", nil)  // refuse, never_read, shared_key_mismatch: no parameters
        }
    }

    /// The generated scenario: three receivers with `<security>`, a DNS name for r3, the agent with a file buffer,
    /// acks, UDP heartbeats (so the heartbeat faults bite) and an RPC endpoint; the load runs the whole plan.
    public var scenarioYAML: String {
        let time = { (t: Double) in String(format: "%.3fs", t) }
        var y = """
        name: fwdlab-soak-\(seed)
        description: Generated fault soak (fwdlab soak, docs/soak.md), \(String(format: "%.0f", duration)) s, seed \(seed).
        seed: \(seed)
        capture: false
        receivers:
          - {name: r1, bind: 127.0.0.31, shared_key: soak}
          - {name: r2, bind: 127.0.0.32, shared_key: soak}
          - {name: r3, bind: 127.0.0.33, shared_key: soak}
        dns:
          - {name: \(Self.dnsName), addresses: [r3], ttl: 1}
        agent:
          config: |
            <system>
              rpc_endpoint 127.0.0.1:${rpc.port}
            </system>
            <match **>
              @type forward
              heartbeat_type udp
              heartbeat_interval 0.5
              phi_threshold 4
              hard_timeout 5
              recover_wait 1
              require_ack_response true
              ack_response_timeout \(Self.ackResponseTimeout)
              connect_timeout 1
              send_timeout 2
              expire_dns_cache 1
              ignore_network_errors_at_startup true
              <security>
                self_hostname agent.fwdlab.test
                shared_key soak
              </security>
              <server>
                name r1
                host ${r1.host}
                port ${r1.port}
              </server>
              <server>
                name r2
                host ${r2.host}
                port ${r2.port}
              </server>
              <server>
                name r3
                host \(Self.dnsName)
                port ${r3.port}
              </server>
              <buffer>
                @type file
                path ${workdir}/buffer
                flush_mode interval
                flush_interval 0.2
                flush_thread_interval 0.2
                retry_wait 0.2
                retry_max_interval \(Self.retryMaxInterval)
                retry_forever true
              </buffer>
            </match>
        load: {rate: \(Self.rate), duration: \(time(duration)), record_size: 64}
        drain: \(time(Self.drain))
        timeline:

        """
        for s in steps { y += "  - {id: \(s.id), at: \(time(s.at)), \(s.action)}\n" }
        if steps.isEmpty { y += "  - {id: end, at: \(time(duration)), mark: end}\n" }
        return y
    }
}
