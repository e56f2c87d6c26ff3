import Foundation

/// One event-stream record: the core's `AgentEvent` stamped with the agent's monotonic clock (the timeline every
/// scenario artefact shares) next to its wall time. Its JSON line is the stream's one codec (`fwdlab agent --events`,
/// read back by the scenario runner).
public struct AgentEventRecord: Sendable, Equatable, Codable {
    /// Monotonic seconds (`AgentClock.monotonicNow`).
    public var monotonic: AgentSeconds
    public var event: AgentEvent

    public init(monotonic: AgentSeconds, event: AgentEvent) {
        self.monotonic = monotonic
        self.event = event
    }

    private enum Keys: String, CodingKey { case mono, time, node, event, cause, phi, threshold, detail }

    /// Flat: `{"mono":…,"time":…,"node":…,"event":…,…}`, absent fields left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(monotonic, forKey: .mono)
        try c.encode(event.time, forKey: .time)
        try c.encode(event.node, forKey: .node)
        try c.encode(event.event, forKey: .event)
        try c.encodeIfPresent(event.cause, forKey: .cause)
        try c.encodeIfPresent(event.phi, forKey: .phi)
        try c.encodeIfPresent(event.threshold, forKey: .threshold)
        try c.encodeIfPresent(event.detail, forKey: .detail)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        monotonic = try c.decode(AgentSeconds.self, forKey: .mono)
        event = AgentEvent(time: try c.decodeIfPresent(AgentSeconds.self, forKey: .time) ?? 0,
                           node: try c.decodeIfPresent(String.self, forKey: .node) ?? "",
                           event: try c.decode(AgentEventKind.self, forKey: .event),
                           cause: try c.decodeIfPresent(String.self, forKey: .cause),
                           phi: try c.decodeIfPresent(Double.self, forKey: .phi),
                           threshold: try c.decodeIfPresent(Double.self, forKey: .threshold),
                           detail: try c.decodeIfPresent(String.self, forKey: .detail))
    }

    /// One JSON line (no trailing newline).
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// A record from one JSON line; throws `DecodingError` naming what is wrong (an unknown event name included).
    public init(jsonLine: some StringProtocol) throws {
        self = try JSONDecoder().decode(AgentEventRecord.self, from: Data(jsonLine.utf8))
    }
}
