/// How Fluentd turns a non-string tag into text. in_forward never checks the tag's type (docs/fidelity-receiver.md),
/// so `[1, time, record]` is emitted under the Integer 1; everything downstream that prints or concatenates the tag
/// (`add_tag_prefix`'s string interpolation, out_stdout's `"#{tag}"`) sees Ruby's `to_s` of the value. The receiver
/// records that text as the tag: an integer as its decimal digits, nil as the empty string, true/false as words, an
/// array or map as Ruby 3.1's `inspect` form (`[1, "a", nil]`, `{"t"=>1}`), as measured with Fluentd 1.16.9.
/// Floats follow Ruby's shortest round-trip form for ordinary magnitudes; exotic exponents are approximate.
public enum RubyText {
    /// Ruby's `value.to_s`, as UTF-8 bytes (a str or bin is its own bytes).
    public static func toS(_ value: MessagePackValue) -> [UInt8] {
        switch value {
        case .nil: return []
        case let .string(b), let .binary(b): return b
        default:
            var out: [UInt8] = []
            inspect(value, into: &out)
            return out
        }
    }

    /// Ruby's `inspect` of a value. Recursion depth is bounded by the decoder's nesting limit.
    static func inspect(_ value: MessagePackValue, into out: inout [UInt8]) {
        func put(_ s: String) { out.append(contentsOf: s.utf8) }
        switch value {
        case .nil: put("nil")
        case let .bool(b): put(b ? "true" : "false")
        case let .int(v): put(String(v))
        case let .uint(v): put(String(v))
        case let .float(f): put(float(Double(f)))
        case let .double(d): put(float(d))
        case let .string(b): quote(b, binary: false, into: &out)
        case let .binary(b): quote(b, binary: true, into: &out)
        case let .array(items):
            put("[")
            for (i, item) in items.enumerated() {
                if i > 0 { put(", ") }
                inspect(item, into: &out)
            }
            put("]")
        case let .map(pairs):
            put("{")
            for (i, pair) in pairs.enumerated() {
                if i > 0 { put(", ") }
                inspect(pair.key, into: &out)
                put("=>")
                inspect(pair.value, into: &out)
            }
            put("}")
        case let .ext(type, data):
            if type == EventTime.extensionType, data.count >= 8 {
                // Fluent::EventTime#inspect / #to_s print the seconds.
                put(String(data[0 ..< 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
            } else {
                put("nil")
            }
        }
    }

    private static func float(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == d.rounded(), abs(d) < 1e16 { return (d.sign == .minus ? "-" : "") + String(Int64(abs(d))) + ".0" }
        // Swift prints the same shortest digits; Ruby writes the mantissa with a fraction (1.0e+20).
        let text = "\(d)"
        guard let e = text.firstIndex(of: "e") else { return text }
        let mantissa = text[..<e]
        return (mantissa.contains(".") ? String(mantissa) : mantissa + ".0") + String(text[e...])
    }

    private static func quote(_ bytes: [UInt8], binary: Bool, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let hex = Array("0123456789ABCDEF".utf8)
        for (i, b) in bytes.enumerated() {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: Array("\\\"".utf8))
            case UInt8(ascii: "\\"): out.append(contentsOf: Array("\\\\".utf8))
            case 0x0a: out.append(contentsOf: Array("\\n".utf8))
            case 0x09: out.append(contentsOf: Array("\\t".utf8))
            case 0x0d: out.append(contentsOf: Array("\\r".utf8))
            case 0x1b: out.append(contentsOf: Array("\\e".utf8))
            case UInt8(ascii: "#") where i + 1 < bytes.count && [UInt8(ascii: "{"), UInt8(ascii: "$"), UInt8(ascii: "@")].contains(bytes[i + 1]):
                out.append(contentsOf: Array("\\#".utf8))
            case 0x00 ..< 0x20, 0x7f:
                if binary {
                    out.append(contentsOf: Array("\\x".utf8)); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
                } else {
                    out.append(contentsOf: Array("\\u00".utf8)); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
                }
            case 0x80 ... 0xff where binary:
                out.append(contentsOf: Array("\\x".utf8)); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
