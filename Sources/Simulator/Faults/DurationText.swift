import Foundation

/// The one duration rule of ForwardLab's own files and API (scenarios, topologies, fault parameters, network models,
/// the control API): a number and a unit, `250ms`, `1.5s`, `2m`, `500us`, `1h`; a bare number is an error (only
/// `0` needs no unit), so nothing depends on which file a number was written in (docs/scenarios.md, "Durations").
/// Fluentd's own parameters (`agent.config`, `--set`, `fwdlab tune --intervals`) keep Fluentd's rule: seconds.
public enum DurationText {
    static let units: [(suffix: String, nanos: Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]

    /// Nanoseconds, or nil when the text is not a non-negative duration with a unit (see `problem(_:)`).
    public static func parse(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let zero = Double(t), zero == 0 { return 0 }
        // Longest suffix first so "ms" is not read as "s".
        for (suffix, factor) in units.sorted(by: { $0.suffix.count > $1.suffix.count }) where t.hasSuffix(suffix) {
            let number = String(t.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
            guard let v = Double(number), v.isFinite, v >= 0, v * factor < 9.2e18 else { return nil }
            return Int64((v * factor).rounded())
        }
        return nil
    }

    /// Seconds, or nil as `parse`.
    public static func seconds(_ text: String) -> Double? { parse(text).map { Double($0) / 1e9 } }

    /// Why `text` is not a duration, for an error that names the file and line.
    public static func problem(_ text: String) -> String {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let v = Double(t) {
            if v < 0 { return "durations must be ≥ 0 (got '\(t)')" }
            return "a duration needs a unit: write \(t)s or \(t)ms, not a bare \(t) (units: ns, us, ms, s, m, h)"
        }
        return "expected a duration such as 200ms, 1.5s or 2m (got '\(t)'; units: ns, us, ms, s, m, h)"
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
