import Agent
import Foundation

/// The predicted detach after a clean receiver death (validation hook for real-socket scenario runs).
public struct DetectionPrediction: Sendable, Equatable, Codable {
    /// Seconds from the death to the detach.
    public var latencyAfterDeath: Double
    /// Seconds from the last heartbeat arrival to the detach (the measure of the table in docs/forward-protocol.md, "Detection time").
    public var latencyAfterLastHeartbeat: Double
    /// phi or hard_timeout; nil if never detached (heartbeat_type none).
    public var cause: DetachCause?
    /// Phi at the detach, when phi fired.
    public var phi: Double?
}

/// Predicts detection latency for a given (interval, threshold) by running the virtual-time engine on a clean network.
public enum DetectionPredictor {
    /// Clean death under steady traffic: zero-delay, lossless heartbeats every `heartbeatInterval`; if `flushInterval`
    /// is set, one successful send every `flushInterval` starting `sendOffset` s after start (so with flush = h and
    /// offset 0.1 a send follows each heartbeat by 0.1 s); the receiver dies `deathOffset` s after the heartbeat at
    /// `warmup` (rounded down to a whole number of intervals). Real-socket runs should agree within one interval.
    public static func predict(heartbeatInterval h: Double, phiThreshold: Double, detector: DetectorChoice = .fluentd,
                               heartbeatType: HeartbeatType = .transport, flushInterval: Double? = nil,
                               sendOffset: Double = 0.1, hardTimeout: Double = 60, recoverWait: Double = 10,
                               phiFailureDetector: Bool = true, warmup: Double = 300, deathOffset: Double = 1e-3) -> DetectionPrediction {
        var model = NetworkModel.clean
        model.heartbeatType = heartbeatType
        model.hardTimeout = hardTimeout
        model.recoverWait = recoverWait
        model.phiFailureDetector = phiFailureDetector
        if let f = flushInterval, f > 0 {
            model.traffic.bytesPerSecond = 1
            model.traffic.flushInterval = f
            model.traffic.flushPhase = sendOffset
        }
        let interval = h > 0 && h.isFinite ? h : 1
        let beats = max(1, (warmup / interval).rounded(.down))
        let death = beats * interval + deathOffset
        let spec = SimulationRunSpec(model: model, heartbeatInterval: interval,
                                     lanes: [LaneSpec(detector: detector, threshold: phiThreshold)],
                                     duration: death, seed: 0, death: .at(death))
        var sim = VirtualNetworkSimulation()
        let out = sim.run(spec)
        let lane = out.lanes[0]
        let latency = lane.detectionLatency ?? .infinity
        let lastBeat = out.lastHeartbeatBeforeDeath ?? 0
        return DetectionPrediction(latencyAfterDeath: latency, latencyAfterLastHeartbeat: latency + death - lastBeat,
                                   cause: lane.detectionCause, phi: lane.detectionPhi)
    }

    /// Closed form (docs/forward-protocol.md, "Detection time") for the idle Fluentd detector with a steady history: the first tick (multiple of h after
    /// the last heartbeat) with Δ > threshold·ln 10 + h − 1, capped by hard_timeout.
    public static func fluentdIdleFormula(heartbeatInterval h: Double, phiThreshold: Double, hardTimeout: Double = 60) -> Double {
        let phiBound = phiThreshold * log(10.0) + h - 1
        let bound = min(phiBound, hardTimeout)
        return ((bound / h).rounded(.down) + 1) * h
    }
}
