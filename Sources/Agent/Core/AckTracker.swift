/// How one ack wait ended (ack_handler.rb Result, docs/forward-protocol.md, "Ack handler").
public enum AckOutcome: Sendable, Equatable {
    /// The reply's `ack` equals the sent Base64 string exactly.
    case success
    /// The deadline passed (checked strictly: `deadline < now`).
    case failedTimeout
    /// The peer closed (EOF/ECONNRESET) before acking.
    case failedEOF
    /// A decoded map whose `ack` is missing or different.
    case chunkIDUnmatched(received: String?)
    /// Undecodable, partial or non-map reply: the entry is dropped without commit or rollback; only the
    /// delayed-commit timeout recovers the chunk (docs/forward-protocol.md, "Ack outcomes", the error row).
    case error(String)
}

/// What the ack reader read from a socket.
public enum AckReply: Sendable, Equatable {
    /// A decoded map; `ack` is its `ack` value when that was a string.
    case map(ack: String?)
    /// Anything else (non-map object, partial or undecodable data), with a description for the log.
    case invalid(String)
}

/// The decision for one resolved ack wait: what to do with the chunk, the node and the connection.
public struct AckResolution: Sendable, Equatable {
    /// What to do with the chunk.
    public enum ChunkAction: Sendable, Equatable {
        /// `commit_write`: purge the chunk, clear the retry state.
        case commit
        /// `rollback_write(update_retry: false)`: back to the queue head, retry state untouched (quirk 18 (docs/quirks.md)).
        case rollback
        /// Nothing (error path): the delayed-commit timeout will roll it back with a retry update.
        case none
    }

    public var chunkID: ChunkID
    public var node: Int
    /// The shell's token for the connection that carried the chunk.
    public var connection: UInt64
    public var outcome: AckOutcome
    public var chunkAction: ChunkAction
    /// `node.disable!` (FAILED only).
    public var disablesNode: Bool
    /// The Fluentd log line for this outcome, if any.
    public var log: CoreLog?
}

/// A registered ack wait.
public struct PendingAck: Sendable, Equatable {
    public var chunkID: ChunkID
    /// `Base64.encode64(chunk_id)`, compared exactly.
    public var ackValue: String
    public var node: Int
    public var connection: UInt64
    /// Monotonic registration time: when the chunk was written (the ack latency's start).
    public var registeredAt: AgentSeconds
    /// Monotonic deadline = registration time + ack_response_timeout.
    public var deadline: AgentSeconds
}

/// Fluentd's ack handler (ack.rb, docs/forward-protocol.md, "Ack handler") as a value: register after a send, resolve on reply, close or timeout.
public struct AckTracker: Sendable, Equatable {
    /// ack_response_timeout, seconds.
    public let ackResponseTimeout: AgentSeconds
    /// Waits in registration order.
    public private(set) var pending: [PendingAck] = []

    public init(ackResponseTimeout: AgentSeconds = 190) {
        self.ackResponseTimeout = ackResponseTimeout
    }

    /// of.rb:283-290 (quirk 22): overwritten to ack_response_timeout + 2 only when it differs.
    public static func effectiveDelayedCommitTimeout(configured: AgentSeconds, ackResponseTimeout: AgentSeconds) -> AgentSeconds {
        configured != ackResponseTimeout ? ackResponseTimeout + 2 : configured
    }

    /// of.rb ack_select_interval: 1 s, or delayed_commit_timeout / 3 when that is ≤ 3 s: the longest an ack-reader
    /// pass waits (`AckReaderLoop.interval`).
    public static func checkInterval(delayedCommitTimeout: AgentSeconds) -> AgentSeconds {
        delayedCommitTimeout > 3 ? 1 : delayedCommitTimeout / 3.0
    }

    /// Registers a wait after the chunk was written on `connection` (monotonic `now`).
    @discardableResult
    public mutating func register(chunkID: ChunkID, node: Int, connection: UInt64, now: AgentSeconds) -> PendingAck {
        let entry = PendingAck(chunkID: chunkID, ackValue: chunkID.ackValue, node: node, connection: connection,
                               registeredAt: now, deadline: now + ackResponseTimeout)
        pending.append(entry)
        return entry
    }

    /// Expires waits whose deadline is strictly before `now` (monotonic), in registration order.
    public mutating func expire(now: AgentSeconds, nodeLabel: (Int) -> (host: String, port: Int)) -> [AckResolution] {
        guard pending.contains(where: { $0.deadline < now }) else { return [] }
        var out: [AckResolution] = []
        pending.removeAll { entry in
            guard entry.deadline < now else { return false }
            let n = nodeLabel(entry.node)
            out.append(AckResolution(
                chunkID: entry.chunkID, node: entry.node, connection: entry.connection, outcome: .failedTimeout,
                chunkAction: .rollback, disablesNode: true,
                log: CoreLog(.warn, "no response from node. regard it as unavailable. host=\(RubyInspect.string(n.host)) port=\(n.port)")))
            return true
        }
        return out
    }

    /// A reply read from `connection`; nil if nothing waits on it.
    public mutating func received(_ reply: AckReply, connection: UInt64) -> AckResolution? {
        guard let i = pending.firstIndex(where: { $0.connection == connection }) else { return nil }
        let entry = pending.remove(at: i)
        switch reply {
        case .map(let ack) where ack == entry.ackValue:
            return AckResolution(chunkID: entry.chunkID, node: entry.node, connection: connection, outcome: .success,
                                 chunkAction: .commit, disablesNode: false, log: nil)
        case .map(let ack):
            let shown = ack.map(RubyInspect.string) ?? "nil"
            return AckResolution(
                chunkID: entry.chunkID, node: entry.node, connection: connection, outcome: .chunkIDUnmatched(received: ack),
                chunkAction: .rollback, disablesNode: false,
                log: CoreLog(.warn, "ack in response and chunk id in sent data are different chunk_id=\(RubyInspect.string(entry.chunkID.hex)) ack=\(shown)"))
        case .invalid(let why):
            return AckResolution(
                chunkID: entry.chunkID, node: entry.node, connection: connection, outcome: .error(why),
                chunkAction: .none, disablesNode: false,
                log: CoreLog(.error, "unexpected error while receiving ack message error=\(RubyInspect.string(why))"))
        }
    }

    /// The peer closed `connection` (EOF or ECONNRESET) before an ack; nil if nothing waits on it.
    public mutating func peerClosed(connection: UInt64, nodeLabel: (Int) -> (host: String, port: Int)) -> AckResolution? {
        guard let i = pending.firstIndex(where: { $0.connection == connection }) else { return nil }
        let entry = pending.remove(at: i)
        let n = nodeLabel(entry.node)
        return AckResolution(
            chunkID: entry.chunkID, node: entry.node, connection: connection, outcome: .failedEOF,
            chunkAction: .rollback, disablesNode: true,
            log: CoreLog(.warn, "destination node closed the connection. regard it as unavailable. host=\(RubyInspect.string(n.host)) port=\(n.port)"))
    }

    /// Earliest deadline, for scheduling.
    public var nextDeadline: AgentSeconds? { pending.map(\.deadline).min() }
}
