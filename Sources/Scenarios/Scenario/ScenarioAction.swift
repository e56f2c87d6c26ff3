import Simulator

/// One thing the timeline does at its time.
public enum ScenarioAction: Sendable {
    /// Install a fault on a receiver.
    case applyFault(receiver: String, spec: FaultSpec)
    /// Remove a fault (by its name) from a receiver.
    case removeFault(receiver: String, fault: String)
    /// Stop the receiver abruptly (listening sockets and connections closed).
    case crash(receiver: String)
    /// Start a crashed receiver again on the same address and port.
    case restart(receiver: String)
    /// Stop reading, accepting and answering (SIGSTOP-like); `resume` undoes it.
    case pause(receiver: String)
    case resume(receiver: String)
    /// Change a DNS name's answer set, TTL or behaviour.
    case dns(ScenarioDNSChange)
    /// Drop all packets to and from a receiver's port (nftables on loopback; root).
    case partition(receiver: String)
    case heal(receiver: String)
    /// Stop the agent without flushing (kill -9: staged memory-buffer events are lost).
    case killAgent
    /// Stop the agent gracefully, as SIGTERM does (inputs first, flush_at_shutdown, exit); the step completes when
    /// the agent has exited.
    case stopAgent
    /// Start the agent again with the same configuration.
    case restartAgent
    /// Call the agent's RPC: `flush` or `reload`.
    case rpc(String)
    /// Replace a file in the run's working directory (atomically; `files:` and `file:` steps, docs/scenarios.md).
    case writeFile(ScenarioFile)
    /// Does nothing: a named point in time the run lasts until (and expectations can count from), e.g. to watch
    /// what the agent does after the last fault.
    case mark(String)

    /// Short text for the timeline and reports.
    public var summary: String {
        switch self {
        case let .applyFault(r, s): "apply fault \(s.name) (\(s.kind)) on \(r)"
        case let .removeFault(r, f): "remove fault \(f) from \(r)"
        case let .crash(r): "crash \(r)"
        case let .restart(r): "restart \(r)"
        case let .pause(r): "pause \(r)"
        case let .resume(r): "resume \(r)"
        case let .dns(c): "dns \(c.name): \(c.summary)"
        case let .partition(r): "partition \(r)"
        case let .heal(r): "heal \(r)"
        case .killAgent: "kill -9 agent"
        case .stopAgent: "SIGTERM agent (graceful stop)"
        case .restartAgent: "restart agent"
        case let .rpc(m): "rpc \(m)"
        case let .mark(text): "mark: \(text)"
        case let .writeFile(f): "write file \(f.name)"
        }
    }

    /// Receiver the action concerns, if any.
    public var receiver: String? {
        switch self {
        case let .applyFault(r, _), let .removeFault(r, _), let .crash(r), let .restart(r), let .pause(r), let .resume(r),
             let .partition(r), let .heal(r): r
        default: nil
        }
    }

    /// Machine name of the action kind.
    public var kind: String {
        switch self {
        case .applyFault: "apply"
        case .removeFault: "remove"
        case .crash: "crash"
        case .restart: "restart"
        case .pause: "pause"
        case .resume: "resume"
        case .dns: "dns"
        case .partition: "partition"
        case .heal: "heal"
        case .killAgent: "kill_agent"
        case .stopAgent: "stop_agent"
        case .restartAgent: "restart_agent"
        case .rpc: "rpc"
        case .mark: "mark"
        case .writeFile: "file"
        }
    }

    /// Starts a disturbance (a fault band opens) rather than ending one.
    public var opensBand: Bool {
        switch self {
        case .applyFault, .crash, .pause, .partition, .killAgent, .stopAgent: true
        default: false
        }
    }
}

/// A DNS change on cue.
public struct ScenarioDNSChange: Sendable, Equatable {
    public var name: String
    /// New answer set (receiver names or IPs); nil keeps it.
    public var addresses: [String]?
    public var ttl: UInt32?
    public var behaviour: String?
    /// New SRV records; nil keeps them.
    public var srv: [ScenarioSRVRecord]?

    public init(name: String, addresses: [String]? = nil, ttl: UInt32? = nil, behaviour: String? = nil) {
        self.name = name
        self.addresses = addresses
        self.ttl = ttl
        self.behaviour = behaviour
    }

    var summary: String {
        var parts: [String] = []
        if let addresses { parts.append("answers \(addresses.joined(separator: ","))") }
        if let ttl { parts.append("ttl \(ttl)") }
        if let behaviour { parts.append(behaviour) }
        if let srv { parts.append("srv " + srv.map(\.summary).joined(separator: ", ")) }
        return parts.joined(separator: ", ")
    }
}
