import Foundation

/// One line of Fluentd's text log: `2026-12-02 18:28:21.711867084 +0000 [warn]: #0 message key="value" key=1`.
///
/// Fluentd writes a message followed by `key=value` pairs whose values are Ruby `inspect` output (quoted strings,
/// numbers, `true`, `nil`, `:symbols`); with `log_level debug` some lines carry the caller (`fluent/log.rb:383:warn: `)
/// and supervised workers a `#N ` prefix. See docs/fluentd-host.md, "Reading Fluentd's log".
public struct FluentdLogLine: Sendable, Equatable {
    /// Wall time, nanoseconds since the epoch (UTC unless the line carries an offset).
    public var wallNanos: Int64
    /// `trace`, `debug`, `info`, `warn`, `error`, `fatal`.
    public var level: String
    /// The message text without caller, worker prefix and fields.
    public var message: String
    /// The trailing fields, values unquoted (`"127.0.0.1"` → `127.0.0.1`, `:transport` → `transport`).
    public var fields: [String: String]

    public init(wallNanos: Int64, level: String, message: String, fields: [String: String]) {
        self.wallNanos = wallNanos
        self.level = level
        self.message = message
        self.fields = fields
    }

    /// Parses one line; nil for lines that are not log records (config dump, backtraces, plugin output).
    public init?(_ line: Substring) {
        // "YYYY-MM-DD HH:MM:SS[.frac][ ±HHMM] [level]: rest"
        guard let open = line.range(of: " ["), let close = line.range(of: "]: ", range: open.upperBound ..< line.endIndex)
        else { return nil }
        guard let t = Self.parseTime(line[line.startIndex ..< open.lowerBound]) else { return nil }
        let level = String(line[open.upperBound ..< close.lowerBound])
        guard ["trace", "debug", "info", "warn", "error", "fatal"].contains(level) else { return nil }
        var rest = line[close.upperBound...]
        rest = Self.dropCaller(rest)
        if rest.hasPrefix("#"), let space = rest.firstIndex(of: " "),
           rest[rest.index(after: rest.startIndex) ..< space].allSatisfy(\.isNumber) {
            rest = rest[rest.index(after: space)...]
        }
        let (message, fields) = Self.splitFields(rest)
        self.init(wallNanos: t, level: level, message: message, fields: fields)
    }

    /// `fluent/log.rb:383:warn: ` (the caller Fluentd prints at debug level), when present.
    static func dropCaller(_ s: Substring) -> Substring {
        guard let rb = s.range(of: ".rb:"), !s[s.startIndex ..< rb.lowerBound].contains(" ") else { return s }
        var i = rb.upperBound
        while i < s.endIndex, s[i].isNumber { i = s.index(after: i) }
        guard i < s.endIndex, s[i] == ":" else { return s }
        guard let end = s.range(of: ": ", range: s.index(after: i) ..< s.endIndex),
              !s[s.index(after: i) ..< end.lowerBound].contains(" ") else { return s }
        return s[end.upperBound...]
    }

    /// Splits `message key=value ...` at the first position from which the rest parses entirely as fields.
    static func splitFields(_ s: Substring) -> (String, [String: String]) {
        var i = s.startIndex
        while let r = s.range(of: " ", range: i ..< s.endIndex) {
            if let fields = parseFields(s[r.upperBound...]), !fields.isEmpty {
                return (String(s[s.startIndex ..< r.lowerBound]), fields)
            }
            i = r.upperBound
        }
        return (String(s), [:])
    }

    /// `key=value key2="quoted \"x\""`: nil unless the whole text is such pairs.
    static func parseFields(_ s: Substring) -> [String: String]? {
        var out: [String: String] = [:]
        var i = s.startIndex
        while i < s.endIndex {
            guard let eq = s[i...].firstIndex(of: "="), eq > i,
                  s[i ..< eq].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
            let key = String(s[i ..< eq])
            var j = s.index(after: eq)
            guard j < s.endIndex else { return nil }
            var value = ""
            if s[j] == "\"" {
                j = s.index(after: j)
                var closed = false
                while j < s.endIndex {
                    let c = s[j]
                    if c == "\\" {
                        let n = s.index(after: j)
                        guard n < s.endIndex else { return nil }
                        switch s[n] {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        default: value.append(s[n])
                        }
                        j = s.index(after: n)
                        continue
                    }
                    if c == "\"" { closed = true; j = s.index(after: j); break }
                    value.append(c)
                    j = s.index(after: j)
                }
                guard closed else { return nil }
            } else {
                // Unquoted values run to the next ` key=`: a Ruby Time inspects with spaces
                // (`next_retry_time=2026-12-02 18:28:22 +0000`).
                let start = j
                while j < s.endIndex, !(s[j] == " " && Self.startsField(s[s.index(after: j)...])) { j = s.index(after: j) }
                value = String(s[start ..< j])
                if value.hasPrefix(":") { value.removeFirst() }
            }
            out[key] = value
            guard j == s.endIndex || s[j] == " " else { return nil }
            i = j == s.endIndex ? j : s.index(after: j)
        }
        return out
    }

    /// Whether `s` begins with `identifier=`.
    static func startsField(_ s: Substring) -> Bool {
        guard let eq = s.firstIndex(of: "="), eq > s.startIndex else { return false }
        return s[s.startIndex ..< eq].allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    /// `2026-12-02 18:28:21.711867084` with an optional `+0000` offset; UTC otherwise (the harness runs Fluentd with
    /// TZ=UTC).
    static func parseTime(_ s: Substring) -> Int64? {
        let parts = s.split(separator: " ")
        guard parts.count == 2 || parts.count == 3 else { return nil }
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let timeAndFrac = parts[1].split(separator: ".", maxSplits: 1)
        let hms = timeAndFrac[0].split(separator: ":").compactMap { Int($0) }
        guard date.count == 3, hms.count == 3 else { return nil }
        var nanos: Int64 = 0
        if timeAndFrac.count == 2 {
            let digits = timeAndFrac[1]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isNumber) else { return nil }
            nanos = Int64(digits + String(repeating: "0", count: 9 - digits.count)) ?? 0
        }
        var offset = 0
        if parts.count == 3 {
            let z = parts[2]
            guard z.count == 5, let sign = z.first, sign == "+" || sign == "-",
                  let hh = Int(z.dropFirst().prefix(2)), let mm = Int(z.suffix(2)) else { return nil }
            offset = (hh * 3600 + mm * 60) * (sign == "-" ? -1 : 1)
        }
        let days = daysFromCivil(year: date[0], month: date[1], day: date[2])
        let secs = Int64(days) * 86400 + Int64(hms[0] * 3600 + hms[1] * 60 + hms[2]) - Int64(offset)
        return secs * 1_000_000_000 + nanos
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
