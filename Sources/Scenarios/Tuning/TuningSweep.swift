/// The result of a sweep: one summary (and its per-seed samples) per (detector, interval, threshold), plus totals.
public struct TuningSweep: Sendable {
    /// The network model used.
    public var model: NetworkModel
    /// The trace file replayed instead of the probe model, if any.
    public var traceSource: String?
    /// The grid that was run.
    public var grid: TuningGrid
    /// Summaries ordered by detector, then interval, then threshold (grid order).
    public var points: [TuningPointSummary]
    /// Per-seed figures, parallel to `points`.
    public var samples: [TuningPointSamples]
    /// Runs, simulated seconds and events over the whole sweep.
    public var runs: Int
    public var simulatedSeconds: Double
    public var events: Int
    /// Wall-clock seconds the sweep took.
    public var wallSeconds: Double

    /// Index of a point in `points`.
    public func index(detector: DetectorChoice, intervalIndex: Int, thresholdIndex: Int) -> Int? {
        guard let d = grid.detectors.firstIndex(of: detector), grid.intervals.indices.contains(intervalIndex),
              grid.thresholds.indices.contains(thresholdIndex) else { return nil }
        return (d * grid.intervals.count + intervalIndex) * grid.thresholds.count + thresholdIndex
    }

    /// Simulated hours per wall-clock second.
    public var simulatedHoursPerSecond: Double {
        wallSeconds > 0 ? simulatedSeconds / 3600 / wallSeconds : 0
    }

    /// Builds summaries from run outcomes indexed `[interval][seed]`, each with lanes ordered detector × threshold.
    static func aggregate(model: NetworkModel, traceSource: String?, grid: TuningGrid, outcomes: [[RunOutcome]],
                          wallSeconds: Double) -> TuningSweep {
        var points: [TuningPointSummary] = []
        var samples: [TuningPointSamples] = []
        let rate = model.traffic.bytesPerSecond
        for (d, detector) in grid.detectors.enumerated() {
            for (i, interval) in grid.intervals.enumerated() {
                for (t, threshold) in grid.thresholds.enumerated() {
                    let lane = d * grid.thresholds.count + t
                    var s = TuningPointSamples(latency: [], falseDetaches: [], healthySeconds: [], firstFalseDetach: [])
                    var detected = 0, byPhi = 0, undetected = 0, unavailableAtDeath = 0
                    var falseCount = 0, falseHard = 0, flaps = 0
                    var healthy = 0.0, unavailable = 0.0, recTotal = 0.0, recMax = 0.0
                    for run in outcomes[i] {
                        let o = run.lanes[lane]
                        healthy += o.healthySeconds
                        unavailable += o.unavailableSeconds
                        falseCount += o.falseDetaches
                        falseHard += o.falseDetachesByHardTimeout
                        flaps += o.flaps
                        recTotal += o.recoverySecondsTotal
                        recMax = max(recMax, o.recoverySecondsMax)
                        s.falseDetaches.append(o.falseDetaches)
                        s.healthySeconds.append(o.healthySeconds)
                        s.firstFalseDetach.append(o.firstFalseDetach)
                        if run.deathTime == nil {
                            s.latency.append(nil)
                        } else if o.unavailableAtDeath {
                            unavailableAtDeath += 1
                            s.latency.append(nil)
                        } else if let l = o.detectionLatency {
                            detected += 1
                            if o.detectionCause == .phi { byPhi += 1 }
                            s.latency.append(l)
                        } else {
                            undetected += 1
                            s.latency.append(.infinity)
                        }
                    }
                    let lat = s.latency.compactMap { $0 }.sorted()
                    func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
                    let p50 = finite(TuningStatistics.quantile(sorted: lat, 0.5))
                    let p95 = finite(TuningStatistics.quantile(sorted: lat, 0.95))
                    let p99 = finite(TuningStatistics.quantile(sorted: lat, 0.99))
                    let mean = lat.isEmpty || undetected > 0 ? nil : lat.reduce(0, +) / Double(lat.count)
                    let days = healthy / 86_400
                    let hours = healthy / 3600
                    let summary = TuningPointSummary(
                        detector: detector, interval: interval, threshold: threshold, seeds: outcomes[i].count,
                        latencyP50: p50, latencyP95: p95, latencyP99: p99, latencyMean: mean, latencyMax: finite(lat.last),
                        detectedByPhiFraction: detected > 0 ? Double(byPhi) / Double(detected) : 0,
                        undetected: undetected, unavailableAtDeath: unavailableAtDeath, healthyHours: hours,
                        falseDetaches: falseCount, falseDetachesByHardTimeout: falseHard,
                        falsePerHour: hours > 0 ? Double(falseCount) / hours : 0,
                        falsePerDay: days > 0 ? Double(falseCount) / days : 0,
                        falsePerDayUpper: days > 0 ? TuningStatistics.poissonUpper(falseCount) / days : .infinity,
                        flaps: flaps, flapsPerHour: hours > 0 ? Double(flaps) / hours : 0,
                        recoveryMean: flaps > 0 ? recTotal / Double(flaps) : nil, recoveryMax: flaps > 0 ? recMax : nil,
                        availability: healthy > 0 ? 1 - unavailable / healthy : 1,
                        bytesAtRiskP95: p95.map { $0 * rate }, bytesAtRiskMean: mean.map { $0 * rate })
                    points.append(summary)
                    samples.append(s)
                }
            }
        }
        markPareto(&points)
        var sim = 0.0, events = 0, runs = 0
        for row in outcomes {
            for r in row {
                sim += r.simulatedSeconds
                events += r.events
                runs += 1
            }
        }
        return TuningSweep(model: model, traceSource: traceSource, grid: grid, points: points, samples: samples,
                           runs: runs, simulatedSeconds: sim, events: events, wallSeconds: wallSeconds)
    }

    /// Marks, per detector, the points no other point beats on both p95 latency and false detaches per day.
    static func markPareto(_ points: inout [TuningPointSummary]) {
        for i in points.indices {
            let a = points[i]
            let la = a.latencyP95 ?? .infinity
            var dominated = false
            for b in points where b.detector == a.detector {
                let lb = b.latencyP95 ?? .infinity
                if lb <= la && b.falsePerDay <= a.falsePerDay && (lb < la || b.falsePerDay < a.falsePerDay) {
                    dominated = true
                    break
                }
            }
            points[i].pareto = !dominated && la.isFinite
        }
    }
}
