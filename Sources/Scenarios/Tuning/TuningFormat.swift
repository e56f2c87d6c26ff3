import Foundation

/// Number formatting shared by the terminal table, CSV and HTML report (locale-independent).
public enum TuningFormat {
    /// `0.002` → `2ms`, `1.5` → `1.5s`, `90` → `90s`.
    public static func seconds(_ s: Double) -> String {
        if !s.isFinite { return s.isNaN ? "n/a" : "∞" }
        if s != 0 && abs(s) < 1 { return trimmed(s * 1000, digits: 3) + "ms" }
        return trimmed(s, digits: 3) + "s"
    }

    /// Fixed digits with trailing zeros removed: `trimmed(1.500, 3)` → `1.5`.
    public static func trimmed(_ x: Double, digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        var s = String(format: "%.\(digits)f", x)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s == "-0" ? "0" : s
    }

    /// Fixed number of decimals (`fixed(3.14159, 2)` → `3.14`), `-` for non-finite values.
    public static func fixed(_ x: Double, _ digits: Int) -> String {
        x.isFinite ? String(format: "%.\(digits)f", x) : (x.isNaN ? "-" : "inf")
    }

    /// Bytes with a binary unit: `1536` → `1.5KiB`.
    public static func bytes(_ b: Double) -> String {
        guard b.isFinite else { return "-" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = b
        var i = 0
        while abs(v) >= 1024 && i < units.count - 1 {
            v /= 1024
            i += 1
        }
        return trimmed(v, digits: i == 0 ? 0 : 1) + units[i]
    }
}
