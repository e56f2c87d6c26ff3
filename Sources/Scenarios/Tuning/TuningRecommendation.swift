import Foundation

/// The recommended (interval, threshold) for one detector, with how sure the seeds make us.
public struct TuningRecommendation: Sendable, Equatable, Codable {
    /// The chosen point.
    public var point: TuningPointSummary
    /// Index of the point in `TuningSweep.points`.
    public var pointIndex: Int
    /// The objective applied.
    public var objective: TuningObjective
    /// Whether the point meets the objective on the observed seeds.
    public var feasible: Bool
    /// Why this point (one sentence).
    public var reason: String
    /// Fraction of bootstrap resamples of the seeds in which the point still meets the objective.
    public var confidence: Double
    /// 95% bootstrap interval of the latency quantile, seconds (upper bound ∞ when some resamples never detect).
    public var latencyInterval: [Double]
    /// 95% bootstrap interval of false detaches per day.
    public var falsePerDayInterval: [Double]
    /// Wilson 95% interval of the fraction of seeds detected within the target (nil without a target).
    public var withinTargetInterval: [Double]?
    /// The Fluentd configuration lines to use.
    public var configLines: [String]

    /// Picks, per detector, the point meeting `objective` with the fastest detection (ties: fewer false detaches,
    /// then the longer, cheaper interval); if nothing meets it, the point closest to meeting it.
    public static func recommend(_ sweep: TuningSweep, objective: TuningObjective, resamples: Int = 1000) -> [TuningRecommendation] {
        let obj = objective.effective
        var out: [TuningRecommendation] = []
        for detector in sweep.grid.detectors {
            let candidates = sweep.points.indices.filter { sweep.points[$0].detector == detector }
            guard !candidates.isEmpty else { continue }
            func latency(_ i: Int) -> Double { sweep.latencyQuantile(i, obj.latencyQuantile) }
            func meets(_ i: Int) -> Bool {
                let p = sweep.points[i]
                if let d = obj.detectWithin, !(latency(i) <= d) { return false }
                if let f = obj.maxFalsePerDay, !(p.falsePerDay <= f) { return false }
                return latency(i).isFinite
            }
            func better(_ a: Int, _ b: Int) -> Bool {
                let (pa, pb) = (sweep.points[a], sweep.points[b])
                let (la, lb) = (latency(a), latency(b))
                if obj.detectWithin != nil && obj.maxFalsePerDay == nil {
                    // Only a latency target: among those meeting it, fewest false detaches wins.
                    if pa.falsePerDay != pb.falsePerDay { return pa.falsePerDay < pb.falsePerDay }
                    if la != lb { return la < lb }
                } else {
                    if la != lb { return la < lb }
                    if pa.falsePerDay != pb.falsePerDay { return pa.falsePerDay < pb.falsePerDay }
                }
                if pa.interval != pb.interval { return pa.interval > pb.interval }
                return pa.threshold > pb.threshold
            }
            let feasible = candidates.filter(meets)
            let chosen: Int
            let reason: String
            if let best = feasible.min(by: better) {
                chosen = best
                reason = "\(feasible.count) of \(candidates.count) settings meet \(obj.summary); this one detects fastest"
                    + (obj.detectWithin != nil && obj.maxFalsePerDay == nil ? " among the fewest false detaches" : "")
            } else {
                // Normalised violation: how far the worst constraint is from being met.
                func violation(_ i: Int) -> Double {
                    var v = 0.0
                    if let d = obj.detectWithin { v = max(v, latency(i) / max(d, 1e-9)) }
                    if let f = obj.maxFalsePerDay { v = max(v, (sweep.points[i].falsePerDay + 1e-9) / max(f, 1e-9)) }
                    return v.isNaN ? .infinity : v
                }
                chosen = candidates.min { violation($0) < violation($1) || (violation($0) == violation($1) && better($0, $1)) }!
                reason = "no setting meets \(obj.summary); this one comes closest"
            }
            var why = reason
            let p = sweep.points[chosen]
            if !feasible.isEmpty, sweep.grid.thresholds.count > 1, p.threshold == sweep.grid.thresholds.min() {
                why += " (at the lowest threshold swept: lower thresholds may detect faster and still meet the objective)"
            }
            out.append(confidence(sweep, index: chosen, objective: obj, feasible: !feasible.isEmpty, reason: why, resamples: resamples))
        }
        return out
    }

    static func confidence(_ sweep: TuningSweep, index: Int, objective obj: TuningObjective, feasible: Bool, reason: String,
                           resamples: Int) -> TuningRecommendation {
        let p = sweep.points[index]
        let s = sweep.samples[index]
        let n = s.latency.count
        let q = obj.latencyQuantile
        var scratch: [Double] = []
        func latencyQ(_ idx: [Int]) -> Double {
            scratch.removeAll(keepingCapacity: true)
            for j in idx { if let l = s.latency[j] { scratch.append(l) } }
            scratch.sort()
            return TuningStatistics.quantile(sorted: scratch, q) ?? .infinity
        }
        func falsePerDay(_ idx: [Int]) -> Double {
            var c = 0, h = 0.0
            for j in idx {
                c += s.falseDetaches[j]
                h += s.healthySeconds[j]
            }
            return h > 0 ? Double(c) / (h / 86_400) : 0
        }
        func meets(_ idx: [Int]) -> Bool {
            let l = latencyQ(idx)
            if let d = obj.detectWithin, !(l <= d) { return false }
            if let f = obj.maxFalsePerDay, !(falsePerDay(idx) <= f) { return false }
            return l.isFinite  // a setting that never detects a death meets nothing
        }
        let lat = TuningStatistics.bootstrap(count: n, resamples: resamples, statistic: latencyQ, success: meets)
        let fpd = TuningStatistics.bootstrap(count: n, resamples: resamples, seed: 0xFA15E, statistic: falsePerDay, success: { _ in true })
        var within: [Double]?
        if let d = obj.detectWithin {
            let observed = s.latency.compactMap { $0 }
            let ok = observed.filter { $0 <= d }.count
            let w = TuningStatistics.wilson(successes: ok, n: observed.count)
            within = [w.lowerBound, w.upperBound]
        }
        var config = ["heartbeat_interval \(TuningFormat.trimmed(p.interval, digits: 3))"]
        switch p.detector {
        case .fluentd:
            config.append("phi_threshold \(TuningFormat.trimmed(p.threshold, digits: 3))")
            config.append("phi_failure_detector \(sweep.model.phiFailureDetector)")
        case .exponential, .normal:
            config.append("# ForwardLab agent only: detector \(p.detector.rawValue), threshold \(TuningFormat.trimmed(p.threshold, digits: 3))")
        }
        config.append("hard_timeout \(TuningFormat.trimmed(sweep.model.hardTimeout, digits: 3))")
        config.append("heartbeat_type \(sweep.model.heartbeatType.rawValue)")
        return TuningRecommendation(point: p, pointIndex: index, objective: obj, feasible: feasible, reason: reason,
                                    confidence: lat.successRate,
                                    latencyInterval: [lat.interval.lowerBound, lat.interval.upperBound],
                                    falsePerDayInterval: [fpd.interval.lowerBound, fpd.interval.upperBound],
                                    withinTargetInterval: within, configLines: config)
    }
}

extension TuningSweep {
    /// Latency quantile `q` of point `i` over its seeds (∞ when the quantile falls on never-detected runs).
    public func latencyQuantile(_ i: Int, _ q: Double) -> Double {
        if q == 0.95, let v = points[i].latencyP95 { return v }
        let v = samples[i].latency.compactMap { $0 }.sorted()
        return TuningStatistics.quantile(sorted: v, q) ?? .infinity
    }
}
