import Agent
import Foundation

/// The virtual-time engine: drives the agent's real `NodeHealth` (detector + state machine) with events from a
/// modelled (or recorded) network, one run at a time. No sockets, no sleeping: a min-heap of events.
///
/// All lanes of a run see the same network realisation (common random numbers): random draws never depend on a
/// lane's state, so adding or removing lanes does not change any other lane's result. Only data sends depend on
/// state (a detached node gets no sends), which is why each lane decides its own sends.
public struct VirtualNetworkSimulation: Sendable {
    private var queue = EventQueue(capacity: 64)
    private var lanes: [Lane] = []

    /// A reusable engine (keep one per worker so buffers are reused across runs).
    public init() {}

    /// One lane: the real per-node state machine plus its counters.
    private struct Lane {
        var health: NodeHealth
        var out = LaneOutcome()
        var done = false
        var detachedAt = 0.0
    }

    /// Runs `spec` to completion and returns its outcome. Deterministic: equal specs give equal outcomes.
    public mutating func run(_ spec: SimulationRunSpec) -> RunOutcome {
        let model = spec.model
        let h = spec.heartbeatInterval > 0 && spec.heartbeatInterval.isFinite ? spec.heartbeatInterval : 1
        let wall0 = spec.startWall
        let trace = spec.trace
        let heartbeatType = model.heartbeatType

        // Independent streams so e.g. the stall schedule is the same for every interval of one seed.
        var probeRNG = SeededRandom(seed: Self.streamSeed(spec.seed, 1, h))
        var stallRNG = SeededRandom(seed: Self.streamSeed(spec.seed, 2, 0))
        var miscRNG = SeededRandom(seed: Self.streamSeed(spec.seed, 3, 0))
        var loss = LossProcess(model: trace == nil ? model.loss : .none, rng: &probeRNG)

        // Lanes: one NodeHealth each, configured as Fluentd does at start.
        lanes.removeAll(keepingCapacity: true)
        var base = NodeHealthSettings()
        base.heartbeatInterval = h
        base.recoverWait = model.recoverWait
        base.hardTimeout = model.hardTimeout
        base.phiFailureDetector = model.phiFailureDetector
        base.alwaysAvailable = heartbeatType == .none
        for (i, l) in spec.lanes.enumerated() {
            var s = base
            s.phiThreshold = l.threshold
            let detector = l.detector.kind(heartbeatInterval: h, model: model).makeDetector(heartbeatInterval: h, configureTime: wall0)
            lanes.append(Lane(health: NodeHealth(node: i, settings: s, detector: detector)))
        }

        // The death.
        let deathTime: Double?
        switch spec.death {
        case .never: deathTime = nil
        case .at(let t): deathTime = max(0, t)
        case .random:
            let w = model.deathWindow
            deathTime = spec.duration * (w.lowerBound + (w.upperBound - w.lowerBound) * miscRNG.nextUnit())
        }
        let flushPhase = model.traffic.flushPhase ?? model.traffic.flushInterval * miscRNG.nextUnit()
        // A trace is entered at a random whole slot per seed (seed 0 replays it from its start).
        var traceOffset = 0.0
        if let trace, spec.seed != 0 {
            traceOffset = Double(miscRNG.nextInt(below: trace.slotDelays.count)) * trace.interval
        }
        let probeWait = heartbeatType == .transport ? model.connectTimeout : 0
        let horizon: Double
        if let d = deathTime {
            horizon = d + model.hardTimeout + 2 * (h + probeWait) + 1
        } else {
            horizon = spec.duration
        }

        queue.removeAll()
        if heartbeatType != .none { queue.push(h, .heartbeatTimer) }
        if model.traffic.bytesPerSecond > 0 { queue.push(flushPhase, .flush) }
        let stallsOn = trace == nil && model.stalls.ratePerHour > 0
        let meanStallGap = stallsOn ? 3600 / model.stalls.ratePerHour : 0
        var stallStart = Double.infinity
        var stallEnd = -Double.infinity
        if stallsOn {
            stallStart = -meanStallGap * log(1 - stallRNG.nextUnit())
            stallEnd = stallStart + model.stalls.duration.sample(using: &stallRNG)
            queue.push(stallStart, .stallStart, stallEnd)
        }
        if let d = deathTime { queue.push(d, .death) }

        var alive = true
        var stalled = false
        var pendingUDP = 0
        var timerFiredAt = 0.0
        var doneCount = 0
        var events = 0
        var probesSent = 0
        var probesAnswered = 0
        var stalls = 0
        var lastHeartbeat: Double?
        var lastArrival: Double?
        let laneCount = lanes.count
        let tracing = spec.traceLane.flatMap { $0 >= 0 && $0 < laneCount ? $0 : nil }
        var phiTrace: [PhiSample] = []
        let blocksSends = model.stalls.blocksSends
        let jitter = model.jitter
        let delayModel = model.replyDelay

        @inline(__always) func record(_ t: Double, _ kind: PhiSample.Kind, phi: Double? = nil) {
            guard let k = tracing, spec.traceWindow.contains(t) else { return }
            var p = phi ?? lanes[k].health.phi(now: wall0 + t)
            if !p.isFinite { p = p.isNaN ? 0 : (p > 0 ? 1e9 : -1e9) }
            phiTrace.append(PhiSample(time: t, phi: p, kind: kind))
        }

        @inline(__always) func sampleDelay() -> Double {
            var d = delayModel.sample(using: &probeRNG)
            if jitter > 0 { d += jitter * probeRNG.nextUnit() }
            return d
        }

        // A heartbeat arrival (detect = true) for every active lane.
        @inline(__always) func heartbeatArrived(_ t: Double) {
            let wall = wall0 + t
            if alive {
                lastHeartbeat = t
                lastArrival = t
            }
            for i in 0..<laneCount where !lanes[i].done {
                if lanes[i].health.heartbeat(detect: true, now: wall) != nil, alive {
                    let dur = t - lanes[i].detachedAt
                    lanes[i].out.flaps += 1
                    lanes[i].out.recoverySecondsTotal += dur
                    lanes[i].out.recoverySecondsMax = max(lanes[i].out.recoverySecondsMax, dur)
                    lanes[i].out.unavailableSeconds += dur
                    if tracing == i { record(t, .recover) }
                }
            }
            record(t, .heartbeat)
        }

        // The tick (docs/forward-protocol.md, "Tick") for every active lane.
        @inline(__always) func tickAll(_ t: Double) {
            let wall = wall0 + t
            for i in 0..<laneCount where !lanes[i].done {
                if tracing == i { record(t, .tick) }
                guard let tr = lanes[i].health.tick(now: wall) else { continue }
                let cause: DetachCause
                if case .phi = tr.cause { cause = .phi } else { cause = .hardTimeout }
                // The detach cleared the window: record the phi that triggered it (0 for hard_timeout).
                if tracing == i { record(t, .detach, phi: tr.phi ?? 0) }
                if alive {
                    lanes[i].out.falseDetaches += 1
                    if cause == .hardTimeout { lanes[i].out.falseDetachesByHardTimeout += 1 }
                    if lanes[i].out.firstFalseDetach == nil { lanes[i].out.firstFalseDetach = t }
                    lanes[i].detachedAt = t
                } else {
                    lanes[i].out.detectionLatency = t - (deathTime ?? t)
                    lanes[i].out.detectionCause = cause
                    lanes[i].out.detectionPhi = tr.phi.flatMap { $0.isFinite ? $0 : nil }
                    lanes[i].done = true
                    doneCount += 1
                }
            }
        }

        // Outcome of a transport connect started at `t`: completion time and success.
        @inline(__always) func connect(at t: Double) -> (Double, Bool) {
            if !alive {
                return model.deathMode == .refused ? (t + sampleDelay(), false) : (t + model.connectTimeout, false)
            }
            if let trace {
                guard let d = trace.probe(at: t + traceOffset) else { return (t, false) }
                return (t + d, true)
            }
            let deadline = t + model.connectTimeout
            var attempt = t
            var rto = model.synRetransmitTimeout
            for _ in 0..<32 {
                if attempt >= deadline { break }
                if loss.nextIsLost(using: &probeRNG) {
                    attempt += rto
                    rto *= 2
                    continue
                }
                let rtt = sampleDelay()
                var finish = attempt + rtt
                if model.stalls.blocksConnect && attempt >= stallStart && attempt < stallEnd {
                    finish = stallEnd + rtt
                }
                return finish <= deadline ? (finish, true) : (deadline, false)
            }
            return (deadline, false)
        }

        var now = 0.0
        // Bounded: every event either schedules at most a few later ones or ends; the horizon stops the run.
        let maxEvents = 50_000_000
        while events < maxEvents, let e = queue.pop() {
            if e.time > horizon { break }
            now = e.time
            events += 1
            switch e.kind {
            case .heartbeatTimer:
                probesSent += 1
                timerFiredAt = now
                if heartbeatType == .udp {
                    if alive {
                        if let trace {
                            if let d = trace.probe(at: now + traceOffset) { queue.push(now + d, .udpReply) }
                        } else if !loss.nextIsLost(using: &probeRNG) {
                            if stalled {
                                if model.stalls.queuesUDP { pendingUDP += 1 }
                            } else {
                                queue.push(now + sampleDelay(), .udpReply)
                            }
                        }
                    }
                    // UDP: the tick runs right after sending; replies arrive later (docs/forward-protocol.md, "UDP heartbeat").
                    tickAll(now)
                    queue.push(now + h, .heartbeatTimer)
                } else {
                    let (finish, ok) = connect(at: now)
                    queue.push(max(finish, now), .connectDone, ok ? 1 : 0)
                }
            case .connectDone:
                if e.value == 1 {
                    if alive { probesAnswered += 1 }
                    heartbeatArrived(now)
                }
                tickAll(now)
                // The blocking connect held the event loop: a late timer fires at once, then keeps its period.
                queue.push(max(timerFiredAt + h, now), .heartbeatTimer)
            case .udpReply:
                if alive { probesAnswered += 1 }
                heartbeatArrived(now)
            case .flush:
                if alive && !(stalled && blocksSends) {
                    let wall = wall0 + now
                    lastArrival = now
                    for i in 0..<laneCount where !lanes[i].done && lanes[i].health.isAvailable {
                        _ = lanes[i].health.heartbeat(detect: false, now: wall)
                    }
                    record(now, .send)
                }
                queue.push(now + model.traffic.flushInterval, .flush)
            case .stallStart:
                guard alive else { break }
                stalls += 1
                stalled = true
                record(now, .stallStart)
                queue.push(e.value, .stallEnd)
            case .stallEnd:
                stalled = false
                record(now, .stallEnd)
                if alive {
                    for _ in 0..<pendingUDP { queue.push(now + sampleDelay(), .udpReply) }
                }
                pendingUDP = 0
                if alive {
                    stallStart = now - meanStallGap * log(1 - stallRNG.nextUnit())
                    stallEnd = stallStart + model.stalls.duration.sample(using: &stallRNG)
                    queue.push(stallStart, .stallStart, stallEnd)
                }
            case .death:
                alive = false
                stalled = false
                pendingUDP = 0
                record(now, .death)
                for i in 0..<laneCount {
                    lanes[i].out.healthySeconds = now
                    if !lanes[i].health.isAvailable {
                        lanes[i].out.unavailableAtDeath = true
                        lanes[i].out.unavailableSeconds += now - lanes[i].detachedAt
                        lanes[i].done = true
                        doneCount += 1
                    }
                }
            }
            if !alive && doneCount == laneCount { break }
        }

        let end = deathTime == nil ? max(now, spec.duration) : now
        for i in 0..<laneCount {
            if deathTime == nil {
                lanes[i].out.healthySeconds = end
                if !lanes[i].health.isAvailable { lanes[i].out.unavailableSeconds += end - lanes[i].detachedAt }
            } else if !lanes[i].done {
                lanes[i].out.undetected = true
            }
        }
        return RunOutcome(seed: spec.seed, heartbeatInterval: h, deathTime: deathTime,
                          lastHeartbeatBeforeDeath: lastHeartbeat, lastArrivalBeforeDeath: lastArrival,
                          simulatedSeconds: end, events: events, probesSent: probesSent, probesAnswered: probesAnswered,
                          stalls: stalls, lanes: lanes.map(\.out), phiTrace: phiTrace)
    }

    /// A seed for one random stream of a run (SplitMix of seed, stream id and interval bits).
    static func streamSeed(_ seed: UInt64, _ stream: UInt64, _ interval: Double) -> UInt64 {
        var g = SeededRandom(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) ^ interval.bitPattern.byteSwapped)
        _ = g.next()
        return g.next()
    }
}
