import Agent
import Foundation

/// Small statistics helpers for sweep summaries and confidence intervals.
public enum TuningStatistics {
    /// Quantile `q` (0…1) of sorted values with linear interpolation; nil when empty; ∞ values propagate.
    public static func quantile(sorted v: [Double], _ q: Double) -> Double? {
        guard !v.isEmpty else { return nil }
        let pos = min(max(q, 0), 1) * Double(v.count - 1)
        let i = Int(pos.rounded(.down))
        let frac = pos - Double(i)
        if i + 1 >= v.count || frac == 0 { return v[i] }
        if !v[i + 1].isFinite { return v[i + 1] }
        return v[i] + (v[i + 1] - v[i]) * frac
    }

    /// Wilson score interval for `successes` out of `n` at ~95% (z = 1.96).
    public static func wilson(successes: Int, n: Int, z: Double = 1.96) -> ClosedRange<Double> {
        guard n > 0 else { return 0...1 }
        let p = Double(successes) / Double(n)
        let nn = Double(n)
        let denom = 1 + z * z / nn
        let centre = (p + z * z / (2 * nn)) / denom
        let half = z * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot() / denom
        return max(0, centre - half)...min(1, centre + half)
    }

    /// Exact (Garwood) one-sided 97.5% upper bound of a Poisson mean after observing `k` events.
    public static func poissonUpper(_ k: Int, confidence: Double = 0.975) -> Double {
        // Find λ with P(X ≤ k | λ) = 1 − confidence by bisection; bounded iterations.
        let target = 1 - confidence
        var lo = Double(k), hi = Double(k) * 3 + 10
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if poissonCDF(k, mid) > target { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// P(X ≤ k) for a Poisson(λ), summed in log space.
    static func poissonCDF(_ k: Int, _ lambda: Double) -> Double {
        guard lambda > 0 else { return 1 }
        var term = exp(-lambda)
        var sum = term
        if k > 0 {
            for i in 1...k {
                term *= lambda / Double(i)
                sum += term
            }
        }
        return min(1, sum)
    }

    /// Percentile bootstrap over seeds: resamples seed indices `resamples` times and returns the 2.5% and 97.5%
    /// quantiles of `statistic`, plus the fraction of resamples where `success` holds. Deterministic (fixed seed).
    public static func bootstrap(count n: Int, resamples: Int = 1000, seed: UInt64 = 0x5EED,
                                 statistic: ([Int]) -> Double, success: ([Int]) -> Bool) -> (interval: ClosedRange<Double>, successRate: Double) {
        guard n > 0, resamples > 0 else { return (0...0, 0) }
        var rng = SeededRandom(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var ok = 0
        var idx = [Int](repeating: 0, count: n)
        for _ in 0..<resamples {
            for j in 0..<n { idx[j] = rng.nextInt(below: n) }
            values.append(statistic(idx))
            if success(idx) { ok += 1 }
        }
        values.sort()
        var lo = quantile(sorted: values, 0.025) ?? 0
        var hi = quantile(sorted: values, 0.975) ?? 0
        // NaN would break the range's precondition: treat an undefined statistic as unbounded.
        if lo.isNaN { lo = .infinity }
        if hi.isNaN { hi = .infinity }
        return (min(lo, hi)...max(lo, hi), Double(ok) / Double(resamples))
    }
}
