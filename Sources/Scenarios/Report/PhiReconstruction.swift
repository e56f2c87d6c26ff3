import Agent

/// phi(t) per node rebuilt from what the receivers saw: heartbeat answers (UDP replies, accepted transport
/// connections) and data requests are the detector's arrivals, fed through the agent's own `PhiAccrualDetector`.
/// It matches the agent's detector up to loopback latency. Reports use it only as a fallback, when the run has no
/// `phi_sample` events from the agent (see `PhiSeries`).
public enum PhiReconstruction {
    /// One point; `phi` is nil while the node is out of the rotation (Fluentd does not evaluate it then).
    public struct Point: Sendable, Equatable {
        public var time: Double
        public var phi: Double?
    }

    /// The detector's samples for `node` as the receivers saw them, ascending: heartbeat answers of the run's
    /// heartbeat type (a data connection's connect is not one) and one per data request.
    public static func arrivals(node: String, record r: RunRecord) -> [Double] {
        var arrivals: [Double] = []
        for o in r.observations[node] ?? [] {
            if let a = o.answeredAt, o.isHeartbeat(heartbeatType: r.heartbeatType) { arrivals.append(a) }
        }
        var seenRequests = Set<Int>()
        for d in r.deliveries where d.receiver == node {
            // One sample per request (a request's events share its arrival time).
            if seenRequests.insert(d.request &* 1_000_003 &+ Int(d.time * 1000)).inserted { arrivals.append(d.time) }
        }
        return arrivals.sorted()
    }

    public static func series(node: String, record r: RunRecord, step: Double = 0.1) -> [Point] {
        let h = r.heartbeatInterval > 0 ? r.heartbeatInterval : 1
        let arrivals = Self.arrivals(node: node, record: r)
        let transitions = r.agentEvents.filter { $0.node == node && ($0.isDetach || $0.event == .recovered) }
        // Merge arrivals and transitions into one ordered stream (a transition wins a tie: Fluentd ticks first).
        var stream: [(time: Double, transition: AgentEventEntry?)] = arrivals.map { ($0, nil) }
        stream += transitions.map { ($0.time - 1e-9, $0) }
        stream.sort { $0.time < $1.time }
        var detector = PhiAccrualDetector(heartbeatInterval: h, initialLast: 0)
        var available = true
        var next = 0
        var out: [Point] = []
        let stride = max(step, r.duration / 3000)
        var t = 0.0
        // Bounded by duration / stride ≤ 3000 points.
        while t <= r.duration {
            while next < stream.count, stream[next].time <= t {
                if let tr = stream[next].transition {
                    if tr.isDetach {
                        if tr.event == .detached { detector.clear() }
                        available = false
                    } else {
                        available = true
                    }
                } else {
                    detector.add(now: stream[next].time)
                }
                next += 1
            }
            let phi = detector.phi(now: t)
            out.append(Point(time: t, phi: available && phi.isFinite ? phi : nil))
            t += stride
        }
        return out
    }
}
