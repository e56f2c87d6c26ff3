/// Conversions from raw parameter text to typed values, reproducing Fluentd's lib/fluent/config/types.rb.
///
/// Values that Fluentd's default (non-strict) mode would silently turn into 0 are errors here, as with
/// `fluentd --strict-config-value`. Errors carry no location; `ParameterReader` adds it.
public enum ConfigValueTypes {
    /// The text unchanged (Fluentd's `:string`).
    public static func string(_ text: String) -> String { text }

    /// A whole number: optional sign, decimal digits (`_` separators allowed), or `0x`/`0o`/`0b` prefixes.
    /// Leading zeros are decimal ("010" is 10), as in Fluentd's default `to_i` mode.
    public static func integer(_ text: String) throws -> Int {
        let t = text.trimmingWhitespace()
        var body = Substring(t)
        var negative = false
        if let f = body.first, f == "+" || f == "-" {
            negative = f == "-"
            body = body.dropFirst()
        }
        var radix = 10
        let lower = body.lowercased()
        if lower.hasPrefix("0x") { radix = 16 } else if lower.hasPrefix("0b") { radix = 2 } else if lower.hasPrefix("0o") { radix = 8 }
        if radix != 10 { body = body.dropFirst(2) }
        guard validDigitGroups(body, radix: radix), let magnitude = UInt64(String(body).replacingUnderscores(), radix: radix) else {
            throw ConfigError("'\(text)' is not a valid integer", at: nil)
        }
        let limit = negative ? UInt64(Int.max) + 1 : UInt64(Int.max)
        guard magnitude <= limit else { throw ConfigError("'\(text)' is out of range for an integer", at: nil) }
        return negative ? (magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)) : Int(magnitude)
    }

    /// A finite floating-point number (`1.5`, `-2`, `1e3`, `.5`, `1_000.5`).
    public static func float(_ text: String) throws -> Double {
        let t = text.trimmingWhitespace()
        guard isRubyFloatLiteral(t), let v = Double(t.replacingUnderscores()), v.isFinite else {
            if let i = try? integer(t) { return Double(i) }  // hex/binary integers are valid Ruby floats too
            throw ConfigError("'\(text)' is not a valid number", at: nil)
        }
        return v
    }

    /// A byte count. Like Fluentd, the first `<digits>k|m|g|t` (case-insensitive, powers of 1024) found
    /// anywhere wins, so "1.5k" is 5 KiB (only the digits right before the unit count) and "8MB" is 8 MiB;
    /// without a unit the whole text must be an integer.
    public static func size(_ text: String) throws -> Int {
        let units: [(Character, Int)] = [("k", 1), ("m", 2), ("g", 3), ("t", 4)]
        for (unit, power) in units {
            if let digits = digitsBefore(unit: unit, in: text, caseInsensitive: true) {
                guard let n = Int(digits) else { throw ConfigError("'\(text)' is out of range for a size", at: nil) }
                var result = n
                for _ in 0..<power {
                    let (r, overflow) = result.multipliedReportingOverflow(by: 1024)
                    guard !overflow else { throw ConfigError("'\(text)' is out of range for a size", at: nil) }
                    result = r
                }
                return result
            }
        }
        do {
            return try integer(text)
        } catch {
            throw ConfigError("'\(text)' is not a valid size (use an integer with an optional k/m/g/t suffix)", at: nil)
        }
    }

    /// A duration in seconds. Reproduces Fluentd exactly: the first `<digits>s`, else `<digits>m`, `<digits>h`,
    /// `<digits>d` found anywhere wins (case-sensitive), using only the digits right before the unit — so
    /// "0.5s" is 5 s, "1.5m" is 300 s and "1m30s" is 30 s. Without a unit the text is a float ("0.5" is 0.5 s).
    public static func time(_ text: String) throws -> Double {
        let units: [(Character, Int)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (unit, factor) in units {
            if let digits = digitsBefore(unit: unit, in: text, caseInsensitive: false) {
                guard let n = Int(digits) else { throw ConfigError("'\(text)' is out of range for a time", at: nil) }
                let (r, overflow) = n.multipliedReportingOverflow(by: factor)
                guard !overflow else { throw ConfigError("'\(text)' is out of range for a time", at: nil) }
                return Double(r)
            }
        }
        do {
            return try float(text)
        } catch {
            throw ConfigError("'\(text)' is not a valid time (use a number of seconds or a s/m/h/d suffix)", at: nil)
        }
    }

    /// `true`/`yes` or `false`/`no` (case-sensitive); an empty value (a bare key) is true. A value starting
    /// with `#` is true too: Fluentd's parser hands `flag # comment` over as "# comment", and types.rb reads that as true.
    public static func bool(_ text: String) throws -> Bool {
        switch text {
        case "true", "yes", "": return true
        case "false", "no": return false
        default:
            if text.hasPrefix("#") { return true }
            throw ConfigError("invalid bool value: '\(text)' (use true/yes or false/no)", at: nil)
        }
    }

    /// One of `allowed`, compared exactly.
    public static func enumeration(_ text: String, allowed: [String]) throws -> String {
        guard allowed.contains(text) else {
            throw ConfigError("valid options are \(allowed.joined(separator: ",")) but got \(text)", at: nil)
        }
        return text
    }

    /// A JSON array (`["a", 1]`) or comma-separated text (`a, b ,c`), as strings. Like Ruby's `split`,
    /// empty items are kept except at the end, and whitespace around commas is dropped.
    public static func array(_ text: String) throws -> [String] {
        try arrayJSON(text).map(\.stringValue)
    }

    /// Like `array(_:)` but keeps JSON element types.
    public static func arrayJSON(_ text: String) throws -> [ConfigJSON] {
        if text.hasPrefix("[") {
            guard case .array(let items) = try parseJSON(text) else {
                throw ConfigError("array required but got '\(text)'", at: nil)
            }
            return items
        }
        return rubySplitOnCommas(text).map(ConfigJSON.string)
    }

    /// A JSON object (`{"k":"v"}`) or `k:v,k2:v2` text (split at the first ':' of each item, values not trimmed,
    /// as in Fluentd); values as strings, the last of repeated keys wins.
    public static func hash(_ text: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in try hashJSON(text) { out[k] = v.stringValue }
        return out
    }

    /// Like `hash(_:)` but keeps JSON value types and the written order.
    public static func hashJSON(_ text: String) throws -> [(key: String, value: ConfigJSON)] {
        if text.hasPrefix("{") {
            guard case .object(let members) = try parseJSON(text) else {
                throw ConfigError("hash required but got '\(text)'", at: nil)
            }
            return members
        }
        var out: [(key: String, value: ConfigJSON)] = []
        for item in rubySplitOnCommas(text) {
            guard !item.isEmpty else { throw ConfigError("hash required but got '\(text)' (empty item)", at: nil) }
            let key: String
            let value: String
            if let colon = item.firstIndex(of: ":") {
                key = String(item[..<colon])
                value = String(item[item.index(after: colon)...])
            } else {
                key = item
                value = ""  // Ruby's Hash[[["k"]]] gives k => nil
            }
            if let i = out.firstIndex(where: { $0.key == key }) { out[i].value = .string(value) } else { out.append((key, .string(value))) }
        }
        return out
    }

    /// Parsed JSON text.
    public static func json(_ text: String) throws -> ConfigJSON { try parseJSON(text) }

    // MARK: Helpers

    static func parseJSON(_ text: String) throws -> ConfigJSON {
        do {
            return try ConfigJSON.parse(text)
        } catch let e as ConfigError {
            throw ConfigError("\(e.message) in '\(text)'", at: nil)
        }
    }

    /// Ruby's `str.strip.split(/\s*,\s*/)`.
    static func rubySplitOnCommas(_ text: String) -> [String] {
        let t = text.trimmingWhitespace()
        guard !t.isEmpty else { return [] }
        var parts = t.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
        while parts.last == "" { parts.removeLast() }
        return parts
    }

    /// The digit run right before the first `unit` that follows a digit — what `/([0-9]+)unit/` captures.
    static func digitsBefore(unit: Character, in text: String, caseInsensitive: Bool) -> String? {
        let chars = Array(text)
        let target = caseInsensitive ? unit.lowercased() : String(unit)
        for i in chars.indices where i > 0 {
            let c = caseInsensitive ? chars[i].lowercased() : String(chars[i])
            guard c == target, chars[i - 1].isASCIIDigit else { continue }
            var j = i - 1
            while j > 0, chars[j - 1].isASCIIDigit { j -= 1 }
            return String(chars[j..<i])
        }
        return nil
    }

    /// Digits in `radix` with single underscores only between digits.
    static func validDigitGroups(_ s: Substring, radix: Int) -> Bool {
        guard let f = s.first, f != "_", s.last != "_", !s.contains("__") else { return false }
        _ = f
        return s.allSatisfy { $0 == "_" || ($0.isASCII && $0.hexDigitValue.map { $0 < radix } == true) }
    }

    /// What Ruby's `Float()` accepts in decimal: digits with `_` separators, optional fraction and exponent.
    static func isRubyFloatLiteral(_ s: String) -> Bool {
        var chars = Substring(s)
        if let f = chars.first, f == "+" || f == "-" { chars = chars.dropFirst() }
        var sawDigit = false
        func digits() -> Bool {
            let before = chars
            var previousUnderscore = true
            var any = false
            while let c = chars.first, c.isASCIIDigit || (c == "_" && !previousUnderscore) {
                previousUnderscore = c == "_"
                any = any || c.isASCIIDigit
                chars = chars.dropFirst()
            }
            if previousUnderscore && any { chars = before; return false }  // trailing underscore
            return any
        }
        sawDigit = digits()
        if chars.first == "." {
            chars = chars.dropFirst()
            guard digits() else { return false }
            sawDigit = true
        }
        guard sawDigit else { return false }
        if let e = chars.first, e == "e" || e == "E" {
            chars = chars.dropFirst()
            if let sign = chars.first, sign == "+" || sign == "-" { chars = chars.dropFirst() }
            guard digits() else { return false }
        }
        return chars.isEmpty
    }
}

/// A named conversion from parameter text to `Value`, used with `ParameterReader.value(_:as:...)`.
public struct ConfigValueType<Value: Sendable>: Sendable {
    /// Shown in error messages ("integer", "time", ...).
    public let name: String
    public let convert: @Sendable (String) throws -> Value

    public init(name: String, convert: @escaping @Sendable (String) throws -> Value) {
        self.name = name
        self.convert = convert
    }

    /// Array of `element` values: JSON array or comma-separated text, each item converted by `element`.
    public static func array<Element>(of element: ConfigValueType<Element>) -> ConfigValueType<[Element]>
    where Value == [Element] {
        ConfigValueType<[Element]>(name: "array of \(element.name)") { text in
            try ConfigValueTypes.arrayJSON(text).map { try element.convert($0.stringValue) }
        }
    }

    /// Hash with values converted by `value`.
    public static func hash<V>(of value: ConfigValueType<V>) -> ConfigValueType<[String: V]> where Value == [String: V] {
        ConfigValueType<[String: V]>(name: "hash of \(value.name)") { text in
            var out: [String: V] = [:]
            for (k, v) in try ConfigValueTypes.hashJSON(text) { out[k] = try value.convert(v.stringValue) }
            return out
        }
    }
}

extension ConfigValueType where Value == String {
    /// Text as written.
    public static var string: Self { .init(name: "string", convert: ConfigValueTypes.string) }
    /// One of `allowed`.
    public static func enumeration(_ allowed: [String]) -> Self {
        .init(name: "enum") { try ConfigValueTypes.enumeration($0, allowed: allowed) }
    }
}

extension ConfigValueType where Value == Int {
    /// Whole number.
    public static var integer: Self { .init(name: "integer", convert: ConfigValueTypes.integer) }
    /// Bytes with optional k/m/g/t suffix.
    public static var size: Self { .init(name: "size", convert: ConfigValueTypes.size) }
}

extension ConfigValueType where Value == Double {
    /// Floating-point number.
    public static var float: Self { .init(name: "float", convert: ConfigValueTypes.float) }
    /// Seconds with optional s/m/h/d suffix (Fluentd's quirks included: quirk 33 in docs/quirks.md).
    public static var time: Self { .init(name: "time", convert: ConfigValueTypes.time) }
}

extension ConfigValueType where Value == Bool {
    /// true/yes/false/no; empty is true.
    public static var bool: Self { .init(name: "bool", convert: ConfigValueTypes.bool) }
}

extension ConfigValueType where Value == [String] {
    /// JSON array or comma-separated strings.
    public static var array: Self { .init(name: "array", convert: ConfigValueTypes.array) }
}

extension ConfigValueType where Value == [String: String] {
    /// JSON object or `k:v,k2:v2`.
    public static var hash: Self { .init(name: "hash", convert: ConfigValueTypes.hash) }
}

extension ConfigValueType where Value == ConfigJSON {
    /// Any JSON value.
    public static var json: Self { .init(name: "json", convert: ConfigValueTypes.json) }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
