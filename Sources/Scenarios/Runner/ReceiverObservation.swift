/// What a receiver saw of the agent's heartbeats: UDP datagrams and connections that count as transport
/// heartbeats, with the decision faults took; the basis for cadence checks and the phi(t) chart.
public struct ReceiverObservation: Sendable, Codable, Equatable {
    /// `udp` or `accept`.
    public var kind: String
    /// Seconds since the run start.
    public var time: Double
    /// When the agent gets the answer (time + delay), nil when dropped or refused.
    public var answeredAt: Double?
    /// An accepted connection that carried a forward request: a data connection, not a transport heartbeat (its
    /// detector sample is the request's, not the connect's). Nil for datagrams and heartbeat connections.
    public var carriedData: Bool?

    public init(kind: String, time: Double, answeredAt: Double?, carriedData: Bool? = nil) {
        self.kind = kind
        self.time = time
        self.answeredAt = answeredAt
        self.carriedData = carriedData
    }

    /// Whether this is a heartbeat answer for `heartbeatType` (a UDP reply, or the connect of a transport heartbeat,
    /// not of a connection that carried data): a detector sample at `answeredAt`.
    public func isHeartbeat(heartbeatType: String) -> Bool {
        heartbeatType == "udp" ? kind == "udp" : (kind == "accept" && carriedData != true)
    }
}
