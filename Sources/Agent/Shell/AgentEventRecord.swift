import Foundation

/// One event-stream record: the core's `AgentEvent` stamped with the agent's monotonic clock (the timeline every
/// scenario artefact shares) next to its wall time.
public struct AgentEventRecord: Sendable, Equatable {
    /// Monotonic seconds (`AgentClock.monotonicNow`).
    public var monotonic: AgentSeconds
    public var event: AgentEvent

    public init(monotonic: AgentSeconds, event: AgentEvent) {
        self.monotonic = monotonic
        self.event = event
    }

    /// One JSON line (no trailing newline): `{"mono":…,"time":…,"node":…,"event":…,…}`.
    public var jsonLine: String {
        var obj: [String: Any] = ["mono": monotonic, "time": event.time, "node": event.node, "event": event.event]
        if let c = event.cause { obj["cause"] = c }
        if let p = event.phi { obj["phi"] = p }
        if let t = event.threshold { obj["threshold"] = t }
        if let d = event.detail { obj["detail"] = d }
        guard let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
