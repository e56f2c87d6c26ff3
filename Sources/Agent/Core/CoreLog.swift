/// Log levels used by core directives (Fluentd's levels).
public enum CoreLogLevel: String, Sendable, Equatable, Codable, Comparable {
    case trace, debug, info, warn, error, fatal

    private var rank: Int {
        switch self {
        case .trace: 0
        case .debug: 1
        case .info: 2
        case .warn: 3
        case .error: 4
        case .fatal: 5
        }
    }

    public static func < (lhs: CoreLogLevel, rhs: CoreLogLevel) -> Bool { lhs.rank < rhs.rank }
}

/// One log line the shell should write, worded exactly like Fluentd (message followed by ` key=value.inspect` pairs).
public struct CoreLog: Sendable, Equatable {
    /// Severity.
    public var level: CoreLogLevel
    /// Full line text, e.g. `detached forwarding server 'a' host="127.0.0.1" port=24224 hard_timeout=true`.
    public var message: String

    public init(_ level: CoreLogLevel, _ message: String) {
        self.level = level
        self.message = message
    }
}

/// Renders values the way Ruby's `inspect` does inside Fluentd's structured log lines (log.rb:565-569).
public enum RubyInspect {
    /// `"text"` with Ruby's escapes for quotes, backslashes and control characters.
    public static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Ruby's Float#inspect: shortest round-trip digits, `1.0e-05` style exponents, `Infinity`, `NaN`.
    public static func float(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Infinity" : "Infinity" }
        let magnitude = Swift.abs(x)
        // Ruby uses fixed notation for 1e-4 <= |x| < 1e16, exponent notation otherwise.
        if magnitude != 0, magnitude < 1e-4 || magnitude >= 1e16 {
            let swift = "\(x)"  // e.g. "1e-05" or "1.5e+16"
            guard let e = swift.firstIndex(of: "e") else { return swift }
            var mantissa = String(swift[..<e])
            if !mantissa.contains(".") { mantissa += ".0" }
            var exponent = String(swift[swift.index(after: e)...])
            let sign = exponent.hasPrefix("-") ? "-" : "+"
            exponent = String(exponent.drop { $0 == "-" || $0 == "+" }).leftPadded(to: 2)
            return mantissa + "e" + sign + exponent
        }
        if x == x.rounded(), magnitude < 1e16 {
            return Swift.String(Int64(x)) + ".0"
        }
        return "\(x)"
    }

    /// A threshold that Fluentd declares as an integer prints without a fraction.
    public static func number(_ x: Double) -> String {
        if x.isFinite, x == x.rounded(), Swift.abs(x) < 1e15 { return Swift.String(Int64(x)) }
        return float(x)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
