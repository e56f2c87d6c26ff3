import Agent
import Foundation

/// A distribution of non-negative durations in seconds (heartbeat reply delays, stall lengths).
public enum DelayDistribution: Sendable, Equatable {
    /// Always `value`.
    case fixed(Double)
    /// Uniform in `[min, max)`.
    case uniform(min: Double, max: Double)
    /// Normal, truncated at 0 (negative draws become 0).
    case normal(mean: Double, standardDeviation: Double)
    /// Log-normal with the given median (e^µ) and σ of the underlying normal.
    case lognormal(median: Double, sigma: Double)
    /// Pareto (type I) with minimum `scale` and tail index `shape` (heavy tail; infinite mean when shape ≤ 1).
    case pareto(scale: Double, shape: Double)
    /// Exponential with the given mean.
    case exponential(mean: Double)

    /// One draw in seconds; never negative, never NaN, at most 10^6.
    @inline(__always)
    public func sample(using rng: inout SeededRandom) -> Double {
        let x: Double
        switch self {
        case .fixed(let v):
            x = v
        case .uniform(let lo, let hi):
            x = lo + (hi - lo) * rng.nextUnit()
        case .normal(let mean, let sd):
            x = mean + sd * Self.standardNormal(&rng)
        case .lognormal(let median, let sigma):
            x = median * exp(sigma * Self.standardNormal(&rng))
        case .pareto(let scale, let shape):
            // Inverse CDF; 1 - u is in (0, 1] so the power is finite.
            x = scale / pow(1 - rng.nextUnit(), 1 / shape)
        case .exponential(let mean):
            x = -mean * log(1 - rng.nextUnit())
        }
        // Cap at about 11 days so a heavy tail cannot push event times to infinity.
        return x > 0 ? min(x, 1e6) : 0
    }

    /// The distribution's mean (∞ for a Pareto with shape ≤ 1); the normal's truncation is ignored.
    public var mean: Double {
        switch self {
        case .fixed(let v): v
        case .uniform(let lo, let hi): (lo + hi) / 2
        case .normal(let m, _): max(0, m)
        case .lognormal(let median, let sigma): median * exp(sigma * sigma / 2)
        case .pareto(let scale, let shape): shape > 1 ? shape * scale / (shape - 1) : .infinity
        case .exponential(let m): m
        }
    }

    /// Short human form, e.g. `lognormal(median 2ms, σ 0.5)`.
    public var summary: String {
        switch self {
        case .fixed(let v): "fixed \(TuningFormat.seconds(v))"
        case .uniform(let lo, let hi): "uniform \(TuningFormat.seconds(lo))–\(TuningFormat.seconds(hi))"
        case .normal(let m, let sd): "normal(mean \(TuningFormat.seconds(m)), sd \(TuningFormat.seconds(sd)))"
        case .lognormal(let med, let s): "lognormal(median \(TuningFormat.seconds(med)), σ \(s))"
        case .pareto(let xm, let a): "pareto(scale \(TuningFormat.seconds(xm)), shape \(a))"
        case .exponential(let m): "exponential(mean \(TuningFormat.seconds(m)))"
        }
    }

    /// Why the parameters are unusable, or nil when they are fine.
    public var validationError: String? {
        func bad(_ v: Double) -> Bool { !v.isFinite || v < 0 }
        switch self {
        case .fixed(let v): return bad(v) ? "fixed value must be a finite non-negative duration" : nil
        case .uniform(let lo, let hi): return bad(lo) || bad(hi) || hi < lo ? "uniform needs 0 ≤ min ≤ max" : nil
        case .normal(let m, let sd): return bad(m) || bad(sd) ? "normal needs finite non-negative mean and sd" : nil
        case .lognormal(let med, let s): return bad(med) || bad(s) ? "lognormal needs median ≥ 0 and sigma ≥ 0" : nil
        case .pareto(let xm, let a): return bad(xm) || !(a > 0) || !a.isFinite ? "pareto needs scale ≥ 0 and shape > 0" : nil
        case .exponential(let m): return bad(m) ? "exponential needs mean ≥ 0" : nil
        }
    }

    /// Box–Muller with two fresh uniforms (no cached spare, so the stream stays simple to reason about).
    @inline(__always)
    static func standardNormal(_ rng: inout SeededRandom) -> Double {
        let u1 = 1 - rng.nextUnit()  // (0, 1]
        let u2 = rng.nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
