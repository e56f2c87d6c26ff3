import ForwardProtocol

/// A record value as Ruby writes it: `to_s` (string interpolation, grep's match text), `inspect` (`output_type hash`,
/// Hash#to_s) and JSON as Fluentd's json formatter prints it (docs/pipeline.md, "How values are written").
public enum RubyValueText {
    /// `value.to_s`: strings as they are, nil as "", numbers and booleans in Ruby's spelling, containers inspected.
    public static func toS(_ value: MessagePackValue) -> String {
        switch value {
        case .nil: return ""
        case .string, .binary: return text(value)
        case .array, .map: return inspect(value)
        default: return inspect(value)
        }
    }

    /// `value.inspect` (Ruby 3.1): `{"a"=>1, "b"=>[nil, true, 2.0]}`.
    public static func inspect(_ value: MessagePackValue) -> String {
        var out = ""
        writeInspect(value, into: &out)
        return out
    }

    /// `JSON.generate`/Yajl of the value: no spaces, `/` and non-ASCII left as they are, floats as Ruby prints them.
    public static func json(_ value: MessagePackValue) -> String {
        var out = ""
        writeJSON(value, into: &out)
        return out
    }

    /// Ruby's `Float#to_s`: the shortest digits that read back, fixed notation for decimal exponents -3...15
    /// (`100000000000000.0`, `0.0001`), otherwise `1.0e+15` / `1.0e-05`.
    public static func float(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, decpt) = shortestDigits(d)
        var s = negative ? "-" : ""
        if decpt < -3 || decpt > 15 {
            s += String(digits.first!) + "." + (digits.count > 1 ? String(digits.dropFirst()) : "0")
            let e = decpt - 1
            s += "e" + (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
        } else if decpt <= 0 {
            s += "0." + String(repeating: "0", count: -decpt) + digits
        } else if decpt >= digits.count {
            s += digits + String(repeating: "0", count: decpt - digits.count) + ".0"
        } else {
            let i = digits.index(digits.startIndex, offsetBy: decpt)
            s += digits[..<i] + "." + digits[i...]
        }
        return s
    }

    /// Digits d1d2… and the exponent p with |d| = 0.d1d2… × 10^p, from Swift's shortest round-trip description.
    static func shortestDigits(_ d: Double) -> (Bool, String, Int) {
        var text = "\(abs(d))"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0])
        let fracPart = parts.count > 1 ? String(parts[1]) : ""
        var all = intPart + fracPart
        var decpt = intPart.count + exponent
        while all.hasPrefix("0") && all.count > 1 { all.removeFirst(); decpt -= 1 }
        while all.hasSuffix("0") && all.count > 1 { all.removeLast() }
        return (d < 0, all, decpt)
    }

    static func text(_ value: MessagePackValue) -> String {
        guard let bytes = value.bytesValue else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func writeInspect(_ value: MessagePackValue, into out: inout String) {
        switch value {
        case .nil: out += "nil"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .float(let f): out += float(Double(f))
        case .double(let d): out += float(d)
        case .string, .binary: inspectString(text(value), into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += ", " }
                writeInspect(v, into: &out)
            }
            out += "]"
        case .map(let pairs):
            out += "{"
            for (i, p) in pairs.enumerated() {
                if i > 0 { out += ", " }
                writeInspect(p.key, into: &out)
                out += "=>"
                writeInspect(p.value, into: &out)
            }
            out += "}"
        case .ext(let type, let data):
            // Fluentd unpacks ext type 0 as an EventTime, whose to_s is its integer seconds.
            if type == 0, data.count >= 4 {
                out += String(data.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            } else {
                out += "nil"
            }
        }
    }

    private static func inspectString(_ s: String, into out: inout String) {
        out += "\""
        var previous: Unicode.Scalar?
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{1B}": out += "\\e"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{0B}": out += "\\v"
            case "{" where previous == "#", "$" where previous == "#", "@" where previous == "#":
                // Ruby escapes the '#' of "#{", "#$" and "#@" so the text cannot be read back as interpolation.
                out.removeLast()
                out += "\\#"
                out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u" + hex4(scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            previous = scalar
        }
        out += "\""
    }

    private static func writeJSON(_ value: MessagePackValue, into out: inout String) {
        switch value {
        case .nil: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .float(let f): out += jsonFloat(Double(f))
        case .double(let d): out += jsonFloat(d)
        case .string, .binary: jsonString(text(value), into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                writeJSON(v, into: &out)
            }
            out += "]"
        case .map(let pairs):
            out += "{"
            for (i, p) in pairs.enumerated() {
                if i > 0 { out += "," }
                // Keys are strings in JSON; Ruby converts other keys with to_s.
                jsonString(toS(p.key), into: &out)
                out += ":"
                writeJSON(p.value, into: &out)
            }
            out += "}"
        case .ext:
            out += inspect(value) == "nil" ? "null" : inspect(value)
        }
    }

    private static func jsonFloat(_ d: Double) -> String {
        d.isFinite ? float(d) : "null"
    }

    private static func jsonString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + hex4(scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    private static func hex4(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}
