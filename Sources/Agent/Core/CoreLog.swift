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

    /// Ruby's `Time#to_s` in UTC for wall time `t` (rounded to whole seconds, as `next_retry_time.round` logs):
    /// `2024-01-01 00:00:01 +0000`. Pure arithmetic (civil-from-days), so the core needs no libc.
    public static func time(_ t: Double) -> String {
        let secs = Int64(t.rounded())
        let days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        let rem = secs - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { Swift.String(v).leftPadded(to: 2) }
        return "\(Swift.String(year).leftPadded(to: 4))-\(two(month))-\(two(day)) \(two(rem / 3600)):\(two(rem % 3600 / 60)):\(two(rem % 60)) +0000"
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
