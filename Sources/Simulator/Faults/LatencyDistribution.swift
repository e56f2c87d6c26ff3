/// How long a delay lasts, drawn per event from a seeded stream. Samples are clamped to [0, `cap`].
///
/// Parameters (durations: a number is milliseconds, or a string such as `200ms`):
/// * `distribution: fixed` — `delay`;
/// * `uniform` — `min`, `max`;
/// * `normal` — `mean`, `stddev`;
/// * `pareto` — `scale` (the minimum, xₘ) and `shape` (α > 0; heavy tail for α ≤ 2);
/// * every shape: `jitter` (uniform ± added after sampling) and `cap` (default 1 h).
public struct LatencyDistribution: Sendable, Hashable {
    /// The sampled shape.
    public enum Shape: Sendable, Hashable {
        case fixed(nanos: Int64)
        case uniform(minNanos: Int64, maxNanos: Int64)
        case normal(meanNanos: Int64, stddevNanos: Int64)
        case pareto(scaleNanos: Int64, shape: Double)
    }

    public var shape: Shape
    /// Uniform ± jitter added to every sample.
    public var jitterNanos: Int64
    /// Upper clamp of every sample.
    public var capNanos: Int64

    public init(_ shape: Shape, jitterNanos: Int64 = 0, capNanos: Int64 = 3_600_000_000_000) {
        self.shape = shape
        self.jitterNanos = jitterNanos
        self.capNanos = capNanos
    }

    /// A fixed delay in milliseconds.
    public static func fixed(milliseconds: Double) -> LatencyDistribution {
        LatencyDistribution(.fixed(nanos: Int64(milliseconds * 1e6)))
    }

    /// Reads `distribution` and its parameters (see the type's documentation).
    public init(reading r: inout FaultParameterReader, defaultDelay: Int64? = nil) throws {
        let name = try r.string("distribution", default: "fixed", allowed: ["fixed", "uniform", "normal", "pareto"])
        switch name {
        case "uniform":
            let lo = try r.duration("min"), hi = try r.duration("max")
            guard lo <= hi else { throw r.invalid("max", "must be ≥ min") }
            shape = .uniform(minNanos: lo, maxNanos: hi)
        case "normal":
            shape = .normal(meanNanos: try r.duration("mean"), stddevNanos: try r.duration("stddev"))
        case "pareto":
            let shapeValue = try r.double("shape", default: 1.5)
            guard shapeValue > 0 else { throw r.invalid("shape", "must be > 0") }
            shape = .pareto(scaleNanos: try r.duration("scale"), shape: shapeValue)
        default:
            shape = .fixed(nanos: try r.duration("delay", default: defaultDelay))
        }
        jitterNanos = try r.duration("jitter", default: 0)
        capNanos = try r.duration("cap", default: 3_600_000_000_000)
    }

    /// The parameters that recreate this distribution.
    public var parameters: [String: FaultValue] {
        var p: [String: FaultValue] = [:]
        switch shape {
        case let .fixed(n):
            p["distribution"] = "fixed"; p["delay"] = .string(DurationText.format(n))
        case let .uniform(lo, hi):
            p["distribution"] = "uniform"; p["min"] = .string(DurationText.format(lo)); p["max"] = .string(DurationText.format(hi))
        case let .normal(m, s):
            p["distribution"] = "normal"; p["mean"] = .string(DurationText.format(m)); p["stddev"] = .string(DurationText.format(s))
        case let .pareto(scale, shape):
            p["distribution"] = "pareto"; p["scale"] = .string(DurationText.format(scale)); p["shape"] = .number(shape)
        }
        if jitterNanos > 0 { p["jitter"] = .string(DurationText.format(jitterNanos)) }
        if capNanos != 3_600_000_000_000 { p["cap"] = .string(DurationText.format(capNanos)) }
        return p
    }

    /// One delay, in nanoseconds. Fixed delays without jitter draw nothing from the stream.
    public func sample(using random: inout FaultRandom) -> Int64 {
        var v: Double
        switch shape {
        case let .fixed(n):
            v = Double(n)
        case let .uniform(lo, hi):
            v = Double(lo) + random.nextUnit() * Double(hi - lo)
        case let .normal(m, s):
            v = Double(m) + random.nextGaussian() * Double(s)
        case let .pareto(scale, alpha):
            // Inverse CDF: xₘ / U^(1/α), U uniform in (0, 1].
            v = Double(scale) / _pow(random.nextOpenUnit(), 1 / alpha)
        }
        if jitterNanos > 0 { v += (random.nextUnit() * 2 - 1) * Double(jitterNanos) }
        if !v.isFinite { v = Double(capNanos) }
        return Int64(min(max(v, 0), Double(capNanos)))
    }
}
