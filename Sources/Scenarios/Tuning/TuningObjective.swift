/// What the operator wants: detect a dead node within a time (at a latency quantile) and/or at most so many
/// false detaches per day. With neither set, the default is at most 1 false detach per day, fastest detection.
public struct TuningObjective: Sendable, Equatable, Codable {
    /// Detection latency target, seconds (nil = none).
    public var detectWithin: Double?
    /// False detaches per day allowed (nil = none).
    public var maxFalsePerDay: Double?
    /// Latency quantile the target applies to (0.95 → p95).
    public var latencyQuantile = 0.95

    public init(detectWithin: Double? = nil, maxFalsePerDay: Double? = nil) {
        self.detectWithin = detectWithin
        self.maxFalsePerDay = maxFalsePerDay
    }

    /// The objective actually applied (fills in the default false-detach budget when nothing was asked).
    public var effective: TuningObjective {
        var o = self
        if o.detectWithin == nil && o.maxFalsePerDay == nil { o.maxFalsePerDay = 1 }
        return o
    }

    /// Human form, e.g. `p95 detection ≤ 10s and ≤ 1 false detach/day`.
    public var summary: String {
        var parts: [String] = []
        if let d = detectWithin { parts.append("p\(Int(latencyQuantile * 100)) detection ≤ \(TuningFormat.seconds(d))") }
        if let f = maxFalsePerDay { parts.append("≤ \(TuningFormat.trimmed(f, digits: 3)) false detach/day") }
        return parts.isEmpty ? "none" : parts.joined(separator: " and ")
    }
}
