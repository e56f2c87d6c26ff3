/// Every event the agent's stream can carry (docs/scenarios.md, "Event names"): the one place their names are
/// spelled. Records hold this type; the JSON codec writes the raw value, and a name it does not know is rejected.
public enum AgentEventKind: String, Sendable, Codable, CaseIterable, Hashable, CustomStringConvertible {
    /// A heartbeat tick took the node out (phi or hard_timeout).
    case detached
    /// The data path took the node out (ack timeout or EOF, handshake, DNS).
    case disabled
    /// The node became available again.
    case recovered
    case standbyPromoted = "standby_promoted"
    /// The weight array is empty (cause `rebuild`) or a flush found no node (cause `flush_failed`).
    case noNodesAvailable = "no_nodes_available"
    case ackFailed = "ack_failed"
    case ackUnmatched = "ack_unmatched"
    case ackError = "ack_error"
    /// An ack's bytes arrived on the socket.
    case ackArrived = "ack_arrived"
    /// The ack reader read the ack (at its next pass).
    case chunkAcked = "chunk_acked"
    case chunkSent = "chunk_sent"
    case chunkCommitted = "chunk_committed"
    case chunkRolledBack = "chunk_rolled_back"
    case chunkRetry = "chunk_retry"
    case retrySucceeded = "retry_succeeded"
    case retryLimit = "retry_limit"
    case chunkToSecondary = "chunk_to_secondary"
    case slowFlush = "slow_flush"
    case bufferOverflow = "buffer_overflow"
    case bufferResumed = "buffer_resumed"
    /// The `<security>` handshake outlasted its bound (Fluentd 1.16.11 logs it; the agent disables the node).
    case handshakeTimeout = "handshake_timeout"
    /// The output built the node and its failure detector (Fluentd: "adding forwarding server"); `detail`
    /// `initial_last=S` is the detector's first `last`, the wall time rounded down to a whole second
    /// (docs/fidelity.md: the origin of a detach of a node that never answered).
    case nodeAdded = "node_added"
    /// The output's flush threads started: the origin of their wake-ups' phase.
    case started
    case reloaded
    /// The graceful stop began (Fluentd: "fluentd worker is now stopping"): the origin of the shutdown's decisions.
    case stopped
    /// Service discovery brought a node in / took it out (the manager's "Service in/out" lines; docs/agent-parameters.md).
    case serviceIn = "service_in"
    case serviceOut = "service_out"
    /// Opt-in: phi evaluated at a heartbeat tick (recorded apart from the decisions).
    case phiSample = "phi_sample"

    /// The stream's name (`standby_promoted`), also in interpolations.
    public var description: String { rawValue }

    /// The node left the rotation, either way.
    public var isDetach: Bool { self == .detached || self == .disabled }

    /// The stream's name for a node transition.
    public init(_ e: NodeTransition.Event) {
        switch e {
        case .detached: self = .detached
        case .disabled: self = .disabled
        case .recovered: self = .recovered
        }
    }

    /// Every name, for error messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
