import Agent

/// When Fluentd's detector takes a node out after a step, predicted from what the receivers saw: the detector's
/// samples (heartbeat answers and data requests, which Fluentd counts too, quirk 2) replayed through the agent's
/// `PhiAccrualDetector`, checked at the heartbeat timer's ticks as the other receivers saw them
/// (docs/scenarios.md, "within: predicted").
///
/// It needs nothing from the agent but its settings, so it holds for real Fluentd as for the Swift agent, and with
/// traffic as without. The idle formula (`DetectionPredictor.fluentdIdleFormula`) is its special case with
/// heartbeats only and a steady history.
public struct ObservedDetachPrediction: Sendable, Equatable {
    /// The first tick the detector could fire at within the arrival-time uncertainty (run seconds).
    public var tick: Double
    /// The last tick it could fire at within the arrival-time uncertainty (equal to `tick` unless the detector is
    /// within that uncertainty of firing at a neighbouring tick).
    public var lastTick: Double
    /// The detector's last sample before the step (run seconds).
    public var lastSample: Double
    /// `phi` or `hard_timeout`.
    public var cause: String
    /// Phi at `tick` (nil for a hard timeout).
    public var phi: Double?
    /// Whether the tick grid after the step was seen at other receivers (false: extrapolated from the last heartbeats).
    public var gridObserved: Bool

    /// Seconds a sample's time at the agent can differ from the receiver's stamp of it (loopback send, TLS
    /// handshake, a tick running a few nodes after the first): the window's uncertainty on Δ = tick − last sample.
    public static let arrivalUncertainty = 0.010
    /// Scheduling slack around a tick, as for every predicted window.
    public static let tickSlack = 0.025

    /// The prediction for `node` after the step at `step` with the scenario's detector settings `s`, nil when the node had no sample before it or the run
    /// has no heartbeats (heartbeat_type none never detaches).
    public static func predict(node: String, step: Double, settings s: RunRecord.IntendedDetector, record r: RunRecord) -> ObservedDetachPrediction? {
        guard r.heartbeatType != "none", s.heartbeatInterval > 0 else { return nil }
        let h = s.heartbeatInterval
        let samples = PhiReconstruction.arrivals(node: node, record: r)
        // Detaches before the step clear the history (Fluentd's tick does); only those are taken from the agent,
        // the decision under test comes after.
        let clears = r.agentEvents.filter { $0.node == node && $0.event == .detached && $0.time < step }.map(\.time)
        let runs = heartbeatRuns(excluding: node, heartbeatInterval: h, record: r)
        let limit = s.hardTimeout + 2 * h
        // A connection heartbeat in doubt at the step can be a sample just after it: the grid reaches a limit past that.
        let (grid, observed) = ticks(after: step, runs: runs, node: node, heartbeatInterval: h,
                                     until: step + interruptedHeartbeatWindow + limit, record: r)
        // What the receivers cannot see is bracketed, and the window covers every case:
        // * the detector's first gap runs from floor(wall clock at configure), up to a second before the agent
        //   started; with a short history that gap still moves the weighted mean by a few percent;
        // * a connection heartbeat that the step interrupts: the kernel may complete the agent's connect for a
        //   receiver that never accepts it, or the receiver may accept one whose completion the agent (or, over
        //   TLS, its handshake) never sees before the reset.
        var histories = [samples]
        if r.heartbeatType != "udp" {
            let own = (r.observations[node] ?? []).filter { $0.isHeartbeat(heartbeatType: r.heartbeatType) }.compactMap(\.answeredAt)
            var drops = Set<Double>(), adds = Set<Double>()
            let doubtful = runs.filter { abs($0 - step) < interruptedHeartbeatWindow }
                + own.filter { $0 <= step && step - $0 < interruptedHeartbeatWindow }
            for t in doubtful {
                if let seen = own.first(where: { abs($0 - t) < interruptedHeartbeatWindow }) { drops.insert(seen) } else { adds.insert(t) }
            }
            histories += drops.sorted().map { d in samples.filter { $0 != d } }
            histories += adds.sorted().map { a in (samples + [a]).sorted() }
        }
        var cases: [ObservedDetachPrediction] = []
        for history in histories {
            for start in initialLastRange(record: r) {
                if let p = predict(samples: history, clears: clears, step: step, grid: grid, gridObserved: observed,
                                   settings: s, initialLast: start) {
                    cases.append(p)
                }
            }
        }
        guard var both = cases.min(by: { $0.tick < $1.tick }) else { return nil }
        both.lastTick = cases.map(\.lastTick).max() ?? both.tick
        return both
    }

    /// Where the detector's initial `last` can lie on the run clock: floor(configure time), for an agent configured
    /// up to 1.5 s before the run's start or at any time before its `started` event (an agent configured after the
    /// start, as a loaded machine at time_scale 0.25 does by 0.17 scenario seconds, has a shorter first gap and so
    /// a smaller mean: it detects sooner). Phi falls as the first gap grows, so the two ends bound every case.
    public static func initialLastRange(record r: RunRecord) -> [Double] {
        let started = r.agentEvents.first(where: { $0.event == .started })?.time ?? 0
        return [-1.5, max(0, started)]
    }

    /// How close to a step a connection heartbeat leaves in doubt whether the agent counted it (a loopback connect
    /// or TLS handshake takes a few milliseconds; more under load).
    public static let interruptedHeartbeatWindow = 0.050

    /// One case: the detector built from `initialLast`, fed `samples` (ascending) with `clears` before the step,
    /// then checked at each tick of `grid`.
    private static func predict(samples: [Double], clears: [Double], step: Double, grid: [Double], gridObserved: Bool,
                                settings s: RunRecord.IntendedDetector, initialLast: Double) -> ObservedDetachPrediction? {
        let h = s.heartbeatInterval
        var detector = PhiAccrualDetector(heartbeatInterval: h, initialLast: initialLast)
        let before = samples.filter { $0 <= step }
        guard let lastSample = before.last else { return nil }
        var c = 0
        for a in before {
            while c < clears.count, clears[c] <= a { detector.clear(); c += 1 }
            detector.add(now: a)
        }
        if c < clears.count { detector.clear() }
        let later = samples.filter { $0 > step }
        let limit = s.hardTimeout + 2 * h
        // The first tick that fires with Δ shifted by `shift` (bounded: at most (hard_timeout + 2h) / h + 1 ticks,
        // and a hard timeout always fires within them).
        func first(shift: Double) -> (tick: Double, last: Double, cause: String, phi: Double?)? {
            for t in grid {
                // A sample that arrived after the step and before this tick (a receiver that resumed, or a connect
                // the kernel completed as the receiver died) is the detector's, and the bound counts from it.
                let last = later.last(where: { $0 < t }) ?? lastSample
                guard t - last <= limit else { continue }
                var d = detector
                for a in later where a < t { d.add(now: a) }
                if let cause = fires(d, at: t, last: last, settings: s, shift: shift) {
                    return (t, last, cause, cause == "phi" ? d.phi(now: t) : nil)
                }
            }
            return nil
        }
        // The arrival uncertainty works both ways: Δ a little longer can make an earlier tick fire, a little
        // shorter a later one.
        guard let early = first(shift: arrivalUncertainty), let late = first(shift: -arrivalUncertainty) ?? first(shift: 0) else { return nil }
        return ObservedDetachPrediction(tick: early.tick, lastTick: max(early.tick, late.tick), lastSample: early.last,
                                        cause: early.cause, phi: early.phi, gridObserved: gridObserved)
    }

    /// The detector's verdict at tick `t` with Δ shifted by `shift` (Fluentd's `Node#tick`: hard timeout first,
    /// then phi, both strict).
    private static func fires(_ d: PhiAccrualDetector, at t: Double, last: Double, settings s: RunRecord.IntendedDetector, shift: Double) -> String? {
        if t + shift - last > s.hardTimeout { return "hard_timeout" }
        if s.phiFailureDetector, d.phi(now: t + shift) > s.phiThreshold { return "phi" }
        return nil
    }

    /// The heartbeat timer's runs after `step`: `runs` (the other receivers' view) continued every h after the last
    /// one seen (a timer of period h; the agent's and Fluentd's do not drift by more than the slack over a scenario).
    static func ticks(after step: Double, runs: [Double], node: String, heartbeatInterval h: Double, until end: Double,
                      record r: RunRecord) -> ([Double], Bool) {
        var grid = runs.filter { $0 > step }
        let observed = !grid.isEmpty
        // Before the step, the node's own heartbeats give the grid when no other receiver does.
        let ownBefore = (r.observations[node] ?? []).filter { $0.isHeartbeat(heartbeatType: r.heartbeatType) && $0.time <= step }.map(\.time)
        guard var t = grid.last ?? runs.last(where: { $0 <= step }) ?? ownBefore.max() else { return ([], false) }
        var n = 0
        while t < end, n < 1_000_000 {
            t += h
            n += 1
            if t > step { grid.append(t) }
        }
        return (grid, observed)
    }

    /// The heartbeat timer's runs as the receivers other than `node` saw them: the first heartbeat of each run
    /// (one run sends to every node within a few milliseconds), from datagrams and answered connections.
    static func heartbeatRuns(excluding node: String, heartbeatInterval h: Double, record r: RunRecord) -> [Double] {
        var times: [Double] = []
        for (name, list) in r.observations where name != node {
            // A connection nobody answered may be a chunk's connect whose TLS handshake failed: only a datagram
            // marks a run whether answered or not.
            times += list.filter { $0.isHeartbeat(heartbeatType: r.heartbeatType) && ($0.kind == "udp" || $0.answeredAt != nil) }.map(\.time)
        }
        times.sort()
        var runs: [Double] = []
        for t in times where runs.last.map({ t - $0 > h / 4 }) ?? true { runs.append(t) }
        return runs
    }
}
