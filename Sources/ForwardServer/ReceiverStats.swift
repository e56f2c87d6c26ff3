import Atomics

/// Live counters of one receiver (lock-free; read them any time).
public final class ReceiverStats: Sendable {
    let connectionsAccepted = ManagedAtomic<Int>(0)
    let connectionsOpen = ManagedAtomic<Int>(0)
    let requests = ManagedAtomic<Int>(0)
    let events = ManagedAtomic<Int>(0)
    let acks = ManagedAtomic<Int>(0)
    let rejects = ManagedAtomic<Int>(0)
    let bytesRead = ManagedAtomic<Int>(0)
    let heartbeats = ManagedAtomic<Int>(0)
    let handshakesSucceeded = ManagedAtomic<Int>(0)
    let handshakesFailed = ManagedAtomic<Int>(0)

    init() {}

    /// The counters at one instant.
    public func snapshot() -> ReceiverStatsSnapshot {
        ReceiverStatsSnapshot(
            connectionsAccepted: connectionsAccepted.load(ordering: .relaxed),
            connectionsOpen: connectionsOpen.load(ordering: .relaxed),
            requests: requests.load(ordering: .relaxed), events: events.load(ordering: .relaxed),
            acks: acks.load(ordering: .relaxed), rejects: rejects.load(ordering: .relaxed),
            bytesRead: bytesRead.load(ordering: .relaxed), heartbeats: heartbeats.load(ordering: .relaxed),
            handshakesSucceeded: handshakesSucceeded.load(ordering: .relaxed),
            handshakesFailed: handshakesFailed.load(ordering: .relaxed))
    }
}

/// A copy of `ReceiverStats` at one instant.
public struct ReceiverStatsSnapshot: Sendable, Hashable, CustomStringConvertible {
    public var connectionsAccepted: Int
    public var connectionsOpen: Int
    /// Event requests accepted into the ledger.
    public var requests: Int
    public var events: Int
    public var acks: Int
    /// Requests or messages refused (see the ledger's rejections for reasons).
    public var rejects: Int
    public var bytesRead: Int
    /// UDP datagrams answered.
    public var heartbeats: Int
    public var handshakesSucceeded: Int
    public var handshakesFailed: Int

    /// All zero: a receiver that is not running.
    public static let zero = ReceiverStatsSnapshot(
        connectionsAccepted: 0, connectionsOpen: 0, requests: 0, events: 0, acks: 0, rejects: 0, bytesRead: 0,
        heartbeats: 0, handshakesSucceeded: 0, handshakesFailed: 0)

    public var description: String {
        "events=\(events) requests=\(requests) acks=\(acks) rejects=\(rejects) connections=\(connectionsAccepted) " +
            "heartbeats=\(heartbeats) bytes=\(bytesRead) handshakes_ok=\(handshakesSucceeded) handshakes_failed=\(handshakesFailed)"
    }
}
