/// One applied fault: when, where, to what, and what was done (a row of `GET /faults/log`).
public struct FaultLogEntry: Sendable, Hashable, Codable {
    /// Position in the log, from 0; `since` queries use it.
    public var index: Int
    /// CLOCK_MONOTONIC nanoseconds (the clock of ledgers and agent timelines).
    public var monotonicNanos: UInt64
    /// Wall-clock nanoseconds since the Unix epoch.
    public var wallNanos: Int64
    public var receiver: String
    /// The installed fault's name and kind.
    public var fault: String
    public var kind: String
    /// The hook point: accept, handshake, read, request, ack, heartbeat, idle, or lifecycle.
    public var hook: String
    /// What the fault acted on, e.g. `conn#3 127.0.0.1:50122 chunk=AAEC…`.
    public var target: String
    /// What was done, e.g. `delay 200ms`, `drop`, `reset`, `crash`.
    public var decision: String
    /// The fault's own explanation, if any (e.g. Gilbert–Elliott state).
    public var note: String?

    enum CodingKeys: String, CodingKey {
        case index, receiver, fault, kind, hook, target, decision, note
        case monotonicNanos = "monotonic_ns"
        case wallNanos = "wall_ns"
    }
}
