/// One forward node as the Prometheus exporter reads it at an update: its label, availability, state, phi and the
/// latencies the forwarder core measured (docs/agent-parameters.md, "Monitoring with Prometheus").
public struct NodeMonitorFigures: Sendable, Equatable {
    /// The `node` label: the `<server>` name, else host:port.
    public var label: String
    /// Phi now; nil while the node is out of the rotation (Fluentd does not evaluate it then).
    public var phi: Double?
    public var available: Bool
    /// The core's state for the node (nil for an unknown index).
    public var state: NodeState?
    /// Heartbeat round trips and ack latencies so far.
    public var latency: NodeLatency
    /// The output sends heartbeats (heartbeat_type is not none): the round-trip series are exported.
    public var measuresHeartbeats: Bool
    /// The output waits for acks (require_ack_response): the ack latency series is exported.
    public var measuresAcks: Bool

    public init(label: String, phi: Double?, available: Bool, state: NodeState? = nil, latency: NodeLatency = NodeLatency(),
                measuresHeartbeats: Bool = false, measuresAcks: Bool = false) {
        self.label = label
        self.phi = phi
        self.available = available
        self.state = state
        self.latency = latency
        self.measuresHeartbeats = measuresHeartbeats
        self.measuresAcks = measuresAcks
    }
}
