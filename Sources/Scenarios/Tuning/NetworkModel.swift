import Agent

/// Receiver stalls (GC pauses): a Poisson process of non-overlapping pauses during which the receiver answers nothing.
public struct StallModel: Sendable, Equatable {
    /// Mean number of stalls per hour (0 = none).
    public var ratePerHour: Double = 0
    /// Length of one stall.
    public var duration: DelayDistribution = .fixed(0)
    /// UDP heartbeats that arrive during a stall wait in the socket buffer and are answered when it ends
    /// (a burst of late replies); false drops them.
    public var queuesUDP = true
    /// A transport heartbeat's connect cannot complete during a stall (accept queue not served); it completes
    /// after the stall if that is within `connect_timeout`, else it times out.
    public var blocksConnect = true
    /// Data sends during a stall do not complete (no ack, blocked write), so they add no sample.
    public var blocksSends = true

    public init() {}
}

/// Data traffic: sends happen at flush times when there is data, and each successful send adds a sample (docs/forward-protocol.md, "Heartbeat arrivals").
public struct TrafficModel: Sendable, Equatable {
    /// Bytes per second produced by the inputs (0 = idle: no sends).
    public var bytesPerSecond: Double = 0
    /// `flush_interval`, seconds.
    public var flushInterval: Double = 1
    /// Offset of the first flush after start, seconds; nil → uniformly random per seed within one flush interval.
    public var flushPhase: Double? = nil

    public init() {}
}

/// What a dead receiver looks like to the agent.
public enum DeathMode: String, Sendable, Equatable {
    /// Process gone, host up: connects are refused at once (RST), UDP gets no reply.
    case refused
    /// Host gone: connects hang until `connect_timeout`, UDP gets no reply.
    case blackhole
}

/// Settings of the Hayashibara normal detector used when `--detector normal|all` (Akka's names).
public struct NormalDetectorSettings: Sendable, Equatable {
    /// Lower bound of the standard deviation, seconds.
    public var minStdDeviation: Double = 0.1
    /// Extra pause tolerated before suspicion rises, seconds.
    public var acceptableHeartbeatPause: Double = 3
    /// Maximum number of intervals kept.
    public var maxSampleSize = 1000

    public init() {}

    /// Detector parameters for heartbeat interval `h` (the first estimate is the interval itself).
    public func parameters(heartbeatInterval h: Double) -> NormalPhiDetector.Parameters {
        NormalPhiDetector.Parameters(maxSampleSize: maxSampleSize, minStdDeviation: minStdDeviation,
                                     acceptableHeartbeatPause: acceptableHeartbeatPause, firstHeartbeatEstimate: h)
    }
}

/// The modelled network, receiver and agent settings a tuning sweep runs against (see fixtures/networks/default.yaml).
public struct NetworkModel: Sendable, Equatable {
    /// Label shown in reports.
    public var name = "default"
    /// heartbeat_type of the agent.
    public var heartbeatType: HeartbeatType = .transport
    /// Round-trip time of one heartbeat probe (UDP reply delay, or TCP connect time).
    public var replyDelay: DelayDistribution = .fixed(0.001)
    /// Extra uniform delay in `[0, jitter)` added to every probe, seconds.
    public var jitter: Double = 0
    /// Probe loss.
    public var loss: LossModel = .none
    /// Receiver stalls.
    public var stalls = StallModel()
    /// Data traffic.
    public var traffic = TrafficModel()
    /// `connect_timeout` for transport heartbeats, seconds (Fluentd's default is none, i.e. the OS's ~2 min).
    public var connectTimeout: Double = 5
    /// Initial SYN retransmission timeout, seconds (Linux: 1 s, doubling).
    public var synRetransmitTimeout: Double = 1
    /// How the receiver dies.
    public var deathMode: DeathMode = .refused
    /// The death happens uniformly within this fraction of the healthy run (default: second half).
    public var deathWindow: ClosedRange<Double> = 0.5...1.0
    /// `recover_wait`, seconds.
    public var recoverWait: Double = 10
    /// `hard_timeout`, seconds.
    public var hardTimeout: Double = 60
    /// `phi_failure_detector`.
    public var phiFailureDetector = true
    /// Parameters of the normal detector variant.
    public var normalDetector = NormalDetectorSettings()

    public init() {}

    /// A perfect network: zero delay, no loss, no stalls, no traffic (the setting of docs/forward-protocol.md, "Detection time").
    public static var clean: NetworkModel {
        var m = NetworkModel()
        m.name = "clean"
        m.replyDelay = .fixed(0)
        return m
    }

    /// Problems that make the model unusable (empty when valid).
    public var validationErrors: [String] {
        var e: [String] = []
        if let x = replyDelay.validationError { e.append("reply_delay: " + x) }
        if !(jitter >= 0 && jitter.isFinite) { e.append("jitter must be ≥ 0") }
        if let x = loss.validationError { e.append("loss: " + x) }
        if !(stalls.ratePerHour >= 0 && stalls.ratePerHour.isFinite) { e.append("stalls.rate_per_hour must be ≥ 0") }
        if let x = stalls.duration.validationError { e.append("stalls.duration: " + x) }
        if !(traffic.bytesPerSecond >= 0 && traffic.bytesPerSecond.isFinite) { e.append("traffic.rate must be ≥ 0") }
        if !(traffic.flushInterval > 0 && traffic.flushInterval.isFinite) { e.append("traffic.flush_interval must be > 0") }
        if let p = traffic.flushPhase, !(p >= 0 && p.isFinite) { e.append("traffic.flush_phase must be ≥ 0") }
        if !(connectTimeout > 0 && connectTimeout.isFinite) { e.append("transport.connect_timeout must be > 0") }
        if !(synRetransmitTimeout > 0 && synRetransmitTimeout.isFinite) { e.append("transport.syn_rto must be > 0") }
        if !(deathWindow.lowerBound >= 0 && deathWindow.upperBound <= 1) { e.append("death.window must lie within 0…1") }
        if !(recoverWait >= 0 && recoverWait.isFinite) { e.append("agent.recover_wait must be ≥ 0") }
        if !(hardTimeout > 0 && hardTimeout.isFinite) { e.append("agent.hard_timeout must be > 0") }
        if !(normalDetector.minStdDeviation >= 0) { e.append("normal_detector.min_std_deviation must be ≥ 0") }
        if !(normalDetector.acceptableHeartbeatPause >= 0) { e.append("normal_detector.acceptable_heartbeat_pause must be ≥ 0") }
        if normalDetector.maxSampleSize < 1 { e.append("normal_detector.max_sample_size must be ≥ 1") }
        return e
    }

    /// One line per aspect, for reports.
    public var summaryLines: [String] {
        var lines = [
            "heartbeat_type \(heartbeatType.rawValue); reply delay \(replyDelay.summary)" + (jitter > 0 ? " + jitter \(TuningFormat.seconds(jitter))" : ""),
            "loss \(loss.summary) (long-run \(TuningFormat.trimmed(loss.stationaryLossRate * 100, digits: 3))%)",
        ]
        if stalls.ratePerHour > 0 {
            lines.append("stalls \(TuningFormat.trimmed(stalls.ratePerHour, digits: 2))/h, \(stalls.duration.summary)")
        } else {
            lines.append("no receiver stalls")
        }
        lines.append(traffic.bytesPerSecond > 0
            ? "traffic \(TuningFormat.bytes(traffic.bytesPerSecond))/s, flush every \(TuningFormat.seconds(traffic.flushInterval))"
            : "no traffic (idle)")
        lines.append("hard_timeout \(TuningFormat.seconds(hardTimeout)), recover_wait \(TuningFormat.seconds(recoverWait)), connect_timeout \(TuningFormat.seconds(connectTimeout)), death \(deathMode.rawValue)")
        return lines
    }
}

extension NetworkModel {
    /// The built-in model, identical to fixtures/networks/default.yaml: a healthy LAN with Fluentd's default
    /// transport heartbeats, rare SYN loss, occasional GC pauses of the receiver and steady traffic.
    public static var standard: NetworkModel {
        var m = NetworkModel()
        m.name = "default"
        m.heartbeatType = .transport
        m.replyDelay = .lognormal(median: 0.001, sigma: 0.6)
        m.jitter = 0.0005
        m.loss = .bernoulli(p: 0.001)
        m.stalls.ratePerHour = 6
        m.stalls.duration = .lognormal(median: 0.5, sigma: 1.2)
        m.traffic.bytesPerSecond = 50_000
        m.traffic.flushInterval = 1
        m.connectTimeout = 5
        return m
    }
}
