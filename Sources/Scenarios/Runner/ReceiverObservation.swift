/// What a receiver saw of the agent's heartbeats: UDP datagrams and connections that count as transport
/// heartbeats, with the decision faults took; the basis for cadence checks and the phi(t) chart.
public struct ReceiverObservation: Sendable, Codable, Equatable {
    /// `udp` or `accept`.
    public var kind: String
    /// Seconds since the run start.
    public var time: Double
    /// When the agent gets the answer (time + delay), nil when dropped or refused.
    public var answeredAt: Double?

    public init(kind: String, time: Double, answeredAt: Double?) {
        self.kind = kind
        self.time = time
        self.answeredAt = answeredAt
    }
}
