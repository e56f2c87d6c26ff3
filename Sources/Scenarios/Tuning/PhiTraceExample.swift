/// phi(t) around one event of one run (a false detach, or the detection after the death), for the report.
public struct PhiTraceExample: Sendable, Equatable, Codable {
    /// What the trace is centred on.
    public enum Kind: String, Sendable, Equatable, Codable {
        case falseDetach = "false_detach"
        case death
    }

    public var kind: Kind
    public var detector: DetectorChoice
    /// heartbeat_interval, seconds.
    public var interval: Double
    /// phi_threshold.
    public var threshold: Double
    /// Seed of the run.
    public var seed: UInt64
    /// Time of the centre event, seconds since start.
    public var centre: Double
    /// The samples, time-ordered.
    public var samples: [PhiSample]

    /// Re-simulates a few runs of `sweep` to show phi around false detaches near each recommended setting
    /// (up to `perDetector` of them) and around the death at the recommended setting.
    public static func select(engine: TuningEngine, sweep: TuningSweep, recommendations: [TuningRecommendation],
                              perDetector: Int = 3) -> [PhiTraceExample] {
        var out: [PhiTraceExample] = []
        let grid = sweep.grid
        for rec in recommendations {
            let r = rec.point
            guard let ri = grid.intervals.firstIndex(of: r.interval) else { continue }
            // The detection at the recommended point, for the first seed with a finite latency.
            if let seedIndex = sweep.samples[rec.pointIndex].latency.firstIndex(where: { $0?.isFinite == true }),
               let latency = sweep.samples[rec.pointIndex].latency[seedIndex] {
                let probe = engine.phiTrace(detector: r.detector, intervalIndex: ri, threshold: r.threshold, seedIndex: seedIndex, window: 0...0)
                if let death = probe.outcome.deathTime {
                    let window = max(0, death - 15)...(death + latency + 10)
                    let t = engine.phiTrace(detector: r.detector, intervalIndex: ri, threshold: r.threshold, seedIndex: seedIndex, window: window)
                    out.append(PhiTraceExample(kind: .death, detector: r.detector, interval: r.interval, threshold: r.threshold,
                                               seed: grid.baseSeed &+ UInt64(seedIndex), centre: death, samples: t.samples))
                }
            }
            // False detaches: same interval first, then thresholds nearest the recommended one.
            let candidates = sweep.points.indices.filter { sweep.points[$0].detector == r.detector && sweep.points[$0].falseDetaches > 0 }
                .sorted { a, b in
                    let (pa, pb) = (sweep.points[a], sweep.points[b])
                    let ka = (pa.interval == r.interval ? 0 : 1, abs(pa.threshold - r.threshold), pa.interval)
                    let kb = (pb.interval == r.interval ? 0 : 1, abs(pb.threshold - r.threshold), pb.interval)
                    return ka < kb
                }
            for i in candidates.prefix(perDetector) {
                let p = sweep.points[i]
                guard let ii = grid.intervals.firstIndex(of: p.interval),
                      let seedIndex = sweep.samples[i].firstFalseDetach.firstIndex(where: { $0 != nil }),
                      let at = sweep.samples[i].firstFalseDetach[seedIndex] else { continue }
                let window = max(0, at - 45)...(at + 30)
                let t = engine.phiTrace(detector: p.detector, intervalIndex: ii, threshold: p.threshold, seedIndex: seedIndex, window: window)
                out.append(PhiTraceExample(kind: .falseDetach, detector: p.detector, interval: p.interval, threshold: p.threshold,
                                           seed: grid.baseSeed &+ UInt64(seedIndex), centre: at, samples: t.samples))
            }
        }
        return out
    }
}
