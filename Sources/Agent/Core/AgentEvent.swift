/// One record of the agent's JSON event stream (time, node, event, cause, phi …).
public struct AgentEvent: Sendable, Equatable, Codable {
    /// Wall time, seconds since the epoch.
    public var time: AgentSeconds
    /// Node label (`name`, else `host:port`); empty for agent-wide events.
    public var node: String
    /// What happened.
    public var event: AgentEventKind
    /// Cause name (`phi`, `hard_timeout`, `ack_timeout`, …), if any.
    public var cause: String?
    /// Phi at the time, when evaluated and finite (JSON cannot carry Infinity/NaN; see `detail`).
    public var phi: Double?
    /// Threshold used for a phi decision.
    public var threshold: Double?
    /// Free-form detail (handshake reason, recovery samples, non-finite phi).
    public var detail: String?

    public init(time: AgentSeconds, node: String, event: AgentEventKind, cause: String? = nil, phi: Double? = nil,
                threshold: Double? = nil, detail: String? = nil) {
        self.time = time
        self.node = node
        self.event = event
        self.cause = cause
        self.phi = phi.flatMap { $0.isFinite ? $0 : nil }
        self.threshold = threshold
        self.detail = detail
        if let phi, !phi.isFinite, detail == nil { self.detail = "phi=" + RubyInspect.float(phi) }
    }

    /// The stream record for a node transition.
    public init(_ t: NodeTransition, nodeLabel: String) {
        var threshold: Double?
        var detail: String?
        switch t.cause {
        case .phi(_, let th): threshold = th
        case .handshakeFailed(let reason): detail = reason
        case .recovered(let samples): detail = "samples=\(samples)"
        default: break
        }
        self.init(time: t.time, node: nodeLabel, event: AgentEventKind(t.event), cause: t.cause.name, phi: t.phi,
                  threshold: threshold, detail: detail)
    }
}

extension AgentEvent {
    /// A `node_added` event's detail: its detector's initial `last`, a whole wall second (docs/fidelity.md).
    public static func initialLastDetail(second: Int64) -> String { initialLastPrefix + String(second) }

    /// The second in a `node_added` detail (`initialLastDetail`), nil for any other text.
    public static func initialLastSecond(detail: String?) -> Int64? {
        guard let detail, detail.hasPrefix(initialLastPrefix) else { return nil }
        return Int64(detail.dropFirst(initialLastPrefix.count))
    }

    private static let initialLastPrefix = "initial_last="
}
