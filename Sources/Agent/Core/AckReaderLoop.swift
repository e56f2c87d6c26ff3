/// out_forward's ack reader thread as a value (out_forward.rb `ack_reader`, ack_handler.rb `collect_response`):
/// each pass first expires overdue waits, then waits for the sockets of the waits that exist *now*, for at most
/// `interval`. An ack or EOF on a watched socket ends the pass at once, so the passes' phase follows the acks; data on
/// a socket registered after the pass began is read only when the next pass begins (docs/fluentd-model.md,
/// "The ack reader").
public struct AckReaderLoop: Sendable, Equatable {
    /// What arrived on a connection.
    public enum Arrival: Sendable, Equatable {
        case reply(AckReply)
        case closed
    }

    /// The select timeout: 1 s, or delayed_commit_timeout / 3 when that is at most 3 s.
    public let interval: AgentSeconds
    /// What a pass costs beyond its select timeout on Fluentd 1.16.9 (expiring, logging, rolling back): its passes
    /// drift 2 ms later each, measured with `log_level trace` in `never-acks-with-standby` (ack timeouts at
    /// .3725, .3746, .3768, .3790 past the second). So a pass that times out in the same instant as a heartbeat
    /// tick ends just after it.
    public static let passOverhead: AgentSeconds = 0.002
    /// When the current pass's wait ends unless an arrival ends it first: `interval + passOverhead`.
    public var passLength: AgentSeconds { interval + Self.passOverhead }
    /// Where the reader thread is in its life (docs/fluentd-model.md, "The ack reader", "Shutdown with acks").
    public enum Phase: Sendable, Equatable {
        /// Not started (acks off, output not started) or done: arrivals are handled at once.
        case idle
        /// Passes follow one another.
        case running
        /// Shutdown began (the plugin's `stop`): the pass under way is the thread's last.
        case finishing
        /// The thread exited at shutdown: arrivals stay unread in their sockets until the final pass.
        case halted
        /// The final pass (`last_ack`) is under way; when it ends the reader is done.
        case lastPass
    }

    public private(set) var phase = Phase.idle
    /// Whether the reader thread runs its passes (acks on, output started; also during its last pass at shutdown).
    public var running: Bool { phase == .running || phase == .finishing }
    /// Shutdown made the current pass the thread's last.
    public var finishing: Bool { phase == .finishing }
    /// The thread exited at shutdown: nothing is read until the final pass (`beginLastPass`).
    public var halted: Bool { phase == .halted }
    /// The final pass (`last_ack`) is under way.
    public var lastPass: Bool { phase == .lastPass }
    /// Connections the current pass waits on.
    public private(set) var watched: Set<UInt64> = []
    /// Arrivals on connections the current pass does not watch, oldest first: read at the next pass.
    public private(set) var unread: [(connection: UInt64, arrival: Arrival)] = []

    public init(interval: AgentSeconds) {
        self.interval = interval
    }

    public static func == (a: AckReaderLoop, b: AckReaderLoop) -> Bool {
        a.interval == b.interval && a.phase == b.phase && a.watched == b.watched
            && a.unread.map(\.connection) == b.unread.map(\.connection) && a.unread.map(\.arrival) == b.unread.map(\.arrival)
    }

    /// Starts the thread.
    public mutating func start() { phase = .running }

    /// Stops it: later arrivals are handled at once.
    public mutating func stop() {
        phase = .idle
        watched = []
    }

    /// Shutdown began: the pass under way completes, and no other follows (the thread's loop tests its running flag
    /// between passes).
    public mutating func finish() {
        if phase == .running { phase = .finishing }
    }

    /// The pass that `finish()` left running ended: the thread is gone; arrivals are kept for the final pass.
    public mutating func halt() {
        phase = .halted
        watched = []
    }

    /// `last_ack`: one more pass, run by the shutdown sequence itself, over `pending`; returns the kept arrivals it
    /// reads at once.
    public mutating func beginLastPass(watching pending: [UInt64]) -> [(connection: UInt64, arrival: Arrival)] {
        phase = .lastPass
        return beginPass(watching: pending)
    }

    /// An arrival: true if the current pass watches `connection` (the pass ends now and the arrival is handled), false
    /// if it was kept for the next pass.
    public mutating func arrived(_ arrival: Arrival, on connection: UInt64) -> Bool {
        switch phase {
        case .idle: return true
        case .halted: break
        case .running, .finishing, .lastPass: if watched.contains(connection) { return true }
        }
        unread.append((connection, arrival))
        return false
    }

    /// A new pass watches `pending` (after the expiry); returns the kept arrivals it reads at once, in order.
    public mutating func beginPass(watching pending: [UInt64]) -> [(connection: UInt64, arrival: Arrival)] {
        watched = Set(pending)
        let ready = unread.filter { watched.contains($0.connection) }
        // Arrivals for connections no longer waited on (resolved or expired) are dropped, as the socket is closed.
        unread.removeAll()
        return ready
    }
}
