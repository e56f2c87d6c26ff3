import Foundation

/// Duration text as faults and topologies write it: `250ms`, `1.5s`, `2m`, `500us`; a bare number is milliseconds.
public enum FaultDuration {
    /// Nanoseconds, or nil when the text is not a non-negative duration.
    public static func parse(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        var number = t
        var scale = 1e6
        // Longest suffix first so "ms" is not read as "s".
        for (suffix, factor) in units.sorted(by: { $0.0.count > $1.0.count }) where t.hasSuffix(suffix) {
            number = String(t.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
            scale = factor
            break
        }
        guard let v = Double(number), v.isFinite, v >= 0, v * scale < 9.2e18 else { return nil }
        return Int64((v * scale).rounded())
    }

    /// `nanos` × `k`, rounded to whole nanoseconds (for `Fault.stretched(by:)`).
    public static func stretch(_ nanos: Int64, by k: Double) -> Int64 {
        Int64(clamping: Int64(exactly: (Double(nanos) * k).rounded()) ?? (k > 0 ? Int64.max : 0))
    }

    /// `1.5s`, `200ms`, `750us` or `12ns`, whichever reads best.
    public static func format(_ nanos: Int64) -> String {
        if nanos == 0 { return "0ms" }
        if nanos % 1_000_000_000 == 0 { return "\(nanos / 1_000_000_000)s" }
        if nanos >= 1_000_000_000 { return "\(Double(nanos) / 1e9)s" }
        if nanos % 1_000_000 == 0 { return "\(nanos / 1_000_000)ms" }
        if nanos >= 1_000_000 { return "\(Double(nanos) / 1e6)ms" }
        if nanos % 1000 == 0 { return "\(nanos / 1000)us" }
        return "\(nanos)ns"
    }
}
