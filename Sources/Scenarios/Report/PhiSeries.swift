/// phi(t) per node for reports: the agent's own readings (`phi_sample` events, one per heartbeat tick while the node
/// is in the rotation) when the run has them, else `PhiReconstruction` from receiver-side arrivals.
public enum PhiSeries {
    /// Where a run's phi curve comes from.
    public enum Source: String, Sendable, Codable {
        /// The agent's detector, read at every heartbeat tick (exact).
        case agent
        /// Rebuilt from heartbeat answers and requests the receivers saw (approximate, up to loopback latency).
        case reconstructed
    }

    /// The source a report uses for `record`: the agent's samples whenever it recorded any.
    public static func source(_ r: RunRecord) -> Source { r.phiSamples.isEmpty ? .reconstructed : .agent }

    /// Points for `node`; nil values break the line where the node left the rotation.
    public static func points(node: String, record r: RunRecord) -> [PhiReconstruction.Point] {
        guard source(r) == .agent else { return PhiReconstruction.series(node: node, record: r) }
        var rows: [(time: Double, order: Int, phi: Double?)] = []
        for s in r.phiSamples where s.node == node {
            // A non-finite phi (μ' = 0) is carried in `detail`; the chart cannot draw it, so it breaks the line.
            rows.append((s.time, 0, s.phi))
        }
        for e in r.agentEvents where e.node == node && e.isDetach {
            // After the detach's own sample (same tick), so the line reaches the crossing and then stops.
            rows.append((e.time, 1, nil))
        }
        rows.sort { $0.time != $1.time ? $0.time < $1.time : $0.order < $1.order }
        return rows.map { PhiReconstruction.Point(time: $0.time, phi: $0.phi) }
    }
}
