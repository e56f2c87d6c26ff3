/// One run of the heartbeat timer at a time (docs/fluentd-model.md, "The heartbeat timer"): Fluentd's timer cannot
/// fire while its round still holds the event loop, so a tick that comes during a round is deferred until the round
/// ends, never dropped and never doubled. A plain value: the shell reports timer firings and per-node completions
/// and starts a round when told.
public struct HeartbeatRound: Sendable, Equatable {
    /// A round is running.
    public private(set) var active = false
    /// Nodes whose probe (or DNS lookup) the running round still waits for.
    public private(set) var pending: Set<Int> = []
    /// A tick came during the running round.
    public private(set) var deferred = false

    public init() {}

    /// The timer fired: true if a round starts now (call `began` with its nodes), false if it was deferred.
    public mutating func timerFired() -> Bool {
        if active {
            deferred = true
            return false
        }
        active = true
        pending = []
        return true
    }

    /// The round started probing `nodes`.
    public mutating func began(waitingFor nodes: Set<Int>) {
        pending.formUnion(nodes)
    }

    /// A node's probe ended; see `settle`.
    public mutating func nodeDone(_ node: Int) -> Settled {
        pending.remove(node)
        return settle()
    }

    /// What ending a wait did.
    public enum Settled: Sendable, Equatable {
        /// The round still waits (or none runs).
        case running
        /// The round ended (report it); `runDeferred`: a tick came during it, fire the timer again now.
        case completed(runDeferred: Bool)
    }

    /// Ends the round once nothing is pending.
    public mutating func settle() -> Settled {
        guard active, pending.isEmpty else { return .running }
        active = false
        let again = deferred
        deferred = false
        return .completed(runDeferred: again)
    }
}
