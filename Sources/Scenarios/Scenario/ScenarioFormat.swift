import Foundation

/// Number and duration formatting shared by the loader, expectations and reports (stable across locales).
public enum ScenarioFormat {
    /// `1.5 s`, `250 ms`.
    public static func seconds(_ v: Double) -> String {
        guard v.isFinite else { return v > 0 ? "∞" : "-∞" }
        if v != 0, abs(v) < 1 { return number(v * 1000) + " ms" }
        return number(v) + " s"
    }

    /// Up to 3 decimals, trailing zeros removed.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
        var t = String(format: "%.3f", v)
        while t.contains("."), t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t == "-0" ? "0" : t
    }
}
