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
    /// Whether the reader thread runs (acks on, output started).
    public private(set) var running = false
    /// Shutdown began (the plugin's `stop`): the current pass is the thread's last; when it ends, arrivals stay
    /// unread in their sockets until `last_ack` (docs/fluentd-model.md, "Shutdown with acks").
    public private(set) var finishing = false
    /// The thread exited at shutdown: nothing is read until the final pass (`beginLastPass`).
    public private(set) var halted = false
    /// The final pass (`last_ack`) is under way; when it ends the reader is done.
    public private(set) var lastPass = false
    /// Connections the current pass waits on.
    public private(set) var watched: Set<UInt64> = []
    /// Arrivals on connections the current pass does not watch, oldest first: read at the next pass.
    public private(set) var unread: [(connection: UInt64, arrival: Arrival)] = []

    public init(interval: AgentSeconds) {
        self.interval = interval
    }

    public static func == (a: AckReaderLoop, b: AckReaderLoop) -> Bool {
        a.interval == b.interval && a.running == b.running && a.finishing == b.finishing && a.halted == b.halted
            && a.lastPass == b.lastPass && a.watched == b.watched
            && a.unread.map(\.connection) == b.unread.map(\.connection) && a.unread.map(\.arrival) == b.unread.map(\.arrival)
    }

    /// Starts the thread.
    public mutating func start() { running = true }

    /// Stops it: later arrivals are handled at once.
    public mutating func stop() {
        running = false
        finishing = false
        halted = false
        lastPass = false
        watched = []
    }

    /// Shutdown began: the pass under way completes, and no other follows (the thread's loop tests its running flag
    /// between passes).
    public mutating func finish() {
        if running { finishing = true }
    }

    /// The pass that `finish()` left running ended: the thread is gone; arrivals are kept for the final pass.
    public mutating func halt() {
        running = false
        finishing = false
        halted = true
        watched = []
    }

    /// `last_ack`: one more pass, run by the shutdown sequence itself, over `pending`; returns the kept arrivals it
    /// reads at once.
    public mutating func beginLastPass(watching pending: [UInt64]) -> [(connection: UInt64, arrival: Arrival)] {
        halted = false
        lastPass = true
        return beginPass(watching: pending)
    }

    /// An arrival: true if the current pass watches `connection` (the pass ends now and the arrival is handled), false
    /// if it was kept for the next pass.
    public mutating func arrived(_ arrival: Arrival, on connection: UInt64) -> Bool {
        if halted { unread.append((connection, arrival)); return false }
        if (!running && !lastPass) || watched.contains(connection) { return true }
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
