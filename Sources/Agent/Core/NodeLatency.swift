/// A cumulative histogram over fixed upper bounds (Prometheus' `le` buckets) as a plain value: what the forwarder
/// core fills from its own clock and the Prometheus exporter renders (docs/agent-parameters.md, "Monitoring with
/// Prometheus").
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds, ascending; `+Inf` is implicit.
    public let bounds: [Double]
    /// Observations per bucket, not cumulative: `counts[i]` fell in (bounds[i-1], bounds[i]]; the last entry is
    /// above every bound.
    public private(set) var counts: [Int]
    /// Sum of the observations, seconds.
    public private(set) var sum: Double = 0
    /// Number of observations.
    public private(set) var count = 0

    /// A histogram over `bounds` (sorted, non-finite and duplicate values dropped).
    public init(bounds: [Double]) {
        self.bounds = Array(Set(bounds.filter(\.isFinite))).sorted()
        self.counts = Array(repeating: 0, count: self.bounds.count + 1)
    }

    /// Adds one observation; a negative reading (a clock that stepped) counts as 0, a non-finite one is ignored.
    public mutating func record(_ seconds: Double) {
        guard seconds.isFinite else { return }
        let v = max(0, seconds)
        let i = bounds.firstIndex { v <= $0 } ?? bounds.count
        counts[i] += 1
        sum += v
        count += 1
    }

    /// Prometheus' cumulative buckets: per bound, the observations at or below it, then `+Inf` (= `count`).
    public var cumulative: [(le: Double, count: Int)] {
        var running = 0
        var out: [(le: Double, count: Int)] = []
        for (i, b) in bounds.enumerated() {
            running += counts[i]
            out.append((b, running))
        }
        out.append((.infinity, count))
        return out
    }

    /// Heartbeat round trips: from loopback (sub-millisecond) to a slow WAN connect.
    public static let heartbeatBounds: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Ack latencies: up to the default ack_response_timeout (190 s).
    public static let ackBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
                                             30, 60, 120, 190]
}

/// One node's heartbeat round trips and ack latencies, measured by the forwarder core from the events the shell
/// reports and the injected clock's monotonic reading (docs/agent-parameters.md, "Monitoring with Prometheus").
public struct NodeLatency: Sendable, Equatable {
    /// Heartbeat round trips that completed: transport connect started → established (TLS and the `<security>`
    /// handshake done), or UDP request sent → reply matched.
    public private(set) var heartbeatRTT = LatencyHistogram(bounds: LatencyHistogram.heartbeatBounds)
    /// The latest round trip, seconds (nil before the first).
    public private(set) var lastHeartbeatRTT: Double?
    /// Successful acks: chunk written → the ack reader read the matching ack.
    public private(set) var ackLatency = LatencyHistogram(bounds: LatencyHistogram.ackBounds)
    /// When the probe under way began (monotonic); nil when none is under way.
    public private(set) var probeStarted: AgentSeconds?

    public init() {}

    /// The probe's I/O began (monotonic `now`); a later start replaces an unanswered one.
    public mutating func probeBegan(at now: AgentSeconds) {
        probeStarted = now
    }

    /// The probe succeeded or its reply came (monotonic `now`): one round trip, if a probe was under way. A second
    /// reply to the same request counts nothing.
    public mutating func probeAnswered(at now: AgentSeconds) {
        guard let start = probeStarted else { return }
        probeStarted = nil
        let rtt = max(0, now - start)
        heartbeatRTT.record(rtt)
        lastHeartbeatRTT = rtt
    }

    /// The probe failed: no round trip.
    public mutating func probeFailed() {
        probeStarted = nil
    }

    /// A chunk's ack was read `seconds` after the chunk was written.
    public mutating func acked(after seconds: AgentSeconds) {
        ackLatency.record(seconds)
    }
}
