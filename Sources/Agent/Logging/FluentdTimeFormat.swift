/// Ruby's `Time#strftime` for the directives a Fluentd `time_format` uses, including sub-second `%N`/`%3N`/`%L`.
/// Pure arithmetic on an `Instant`, so tests need no time zone database.
public enum FluentdTimeFormat {
    /// A wall-clock time and the local offset it is shown in.
    public struct Instant: Sendable, Equatable {
        /// Nanoseconds since the epoch.
        public var wallNanos: Int64
        /// Seconds east of UTC (the process's time zone, as Fluentd's `Time.now` uses).
        public var utcOffset: Int
        /// The zone's abbreviation for `%Z` (`UTC`).
        public var zoneName: String

        public init(wallNanos: Int64, utcOffset: Int = 0, zoneName: String = "UTC") {
            self.wallNanos = wallNanos
            self.utcOffset = utcOffset
            self.zoneName = zoneName
        }
    }

    /// Directive letters `format` understands; `%N` and `%L` also take a digit count (`%3N`), `%z` a colon (`%:z`).
    static let directives: Set<Character> = ["Y", "C", "y", "m", "d", "e", "j", "H", "k", "I", "l", "M", "S", "L", "N",
                                             "p", "P", "z", "Z", "a", "A", "b", "h", "B", "s", "T", "F", "D", "R", "r",
                                             "u", "w", "n", "t", "%"]

    /// The first directive `format` does not implement (e.g. `%G`), or nil when every one is known: a configuration
    /// error, where Ruby would print the directive as written.
    public static func unsupportedDirective(in pattern: String) -> String? {
        var chars = Array(pattern)[...]
        while let c = chars.popFirst() {
            guard c == "%" else { continue }
            var spec = "%"
            while let d = chars.first, d.isNumber || d == ":" || d == "-" || d == "^" { spec.append(d); chars.removeFirst() }
            guard let letter = chars.popFirst() else { return spec }
            spec.append(letter)
            if !directives.contains(letter) { return spec }
        }
        return nil
    }

    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                                 "October", "November", "December"]

    /// `pattern` applied to `t`. Unknown directives are copied as written (Ruby's behaviour).
    public static func format(_ pattern: String, _ t: Instant) -> String {
        let floorSecs = t.wallNanos >= 0 ? t.wallNanos / 1_000_000_000 : (t.wallNanos - 999_999_999) / 1_000_000_000
        let nanos = t.wallNanos - floorSecs * 1_000_000_000
        let local = floorSecs + Int64(t.utcOffset)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secOfDay = Int(local - days * 86_400)
        let (year, month, day) = civil(days)
        let hour = secOfDay / 3600, minute = secOfDay % 3600 / 60, second = secOfDay % 60
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday
        let yearDay = Int(days - daysFromCivil(year, 1, 1)) + 1
        func pad(_ v: Int, _ w: Int, _ fill: Character = "0") -> String {
            let s = String(v < 0 ? -v : v)
            return (v < 0 ? "-" : "") + String(repeating: fill, count: max(0, w - s.count)) + s
        }
        func fraction(_ digits: Int) -> String {
            // Ruby truncates (never rounds); beyond nine digits it pads with zeros.
            let nine = pad(Int(nanos), 9)
            return digits <= 9 ? String(nine.prefix(digits)) : nine + String(repeating: "0", count: digits - 9)
        }
        func offset(colon: Bool) -> String {
            let o = abs(t.utcOffset)
            return (t.utcOffset < 0 ? "-" : "+") + pad(o / 3600, 2) + (colon ? ":" : "") + pad(o % 3600 / 60, 2)
        }
        var out = ""
        var chars = Array(pattern)[...]
        while let c = chars.popFirst() {
            guard c == "%" else { out.append(c); continue }
            var flags = ""
            while let d = chars.first, !d.isNumber, d == "-" || d == "^" || d == ":" { flags.append(d); chars.removeFirst() }
            var width = ""
            while let d = chars.first, d.isNumber { width.append(d); chars.removeFirst() }
            guard let letter = chars.popFirst() else { out += "%" + flags + width; break }
            let noPad = flags.contains("-")
            func num(_ v: Int, _ w: Int, _ fill: Character = "0") -> String { noPad ? String(v) : pad(v, Int(width) ?? w, fill) }
            switch letter {
            case "Y": out += num(year, 0)
            case "C": out += num(year / 100, 2)
            case "y": out += num(year % 100, 2)
            case "m": out += num(month, 2)
            case "d": out += num(day, 2)
            case "e": out += num(day, 2, " ")
            case "j": out += num(yearDay, 3)
            case "H": out += num(hour, 2)
            case "k": out += num(hour, 2, " ")
            case "I": out += num(hour % 12 == 0 ? 12 : hour % 12, 2)
            case "l": out += num(hour % 12 == 0 ? 12 : hour % 12, 2, " ")
            case "M": out += num(minute, 2)
            case "S": out += num(second, 2)
            case "L": out += fraction(Int(width) ?? 3)
            case "N": out += fraction(Int(width) ?? 9)
            case "p": out += hour < 12 ? "AM" : "PM"
            case "P": out += hour < 12 ? "am" : "pm"
            case "z": out += offset(colon: flags.contains(":"))
            case "Z": out += t.zoneName
            case "a": out += String(weekdays[weekday].prefix(3))
            case "A": out += weekdays[weekday]
            case "b", "h": out += String(months[month - 1].prefix(3))
            case "B": out += months[month - 1]
            case "s": out += String(floorSecs)
            case "u": out += String(weekday == 0 ? 7 : weekday)
            case "w": out += String(weekday)
            case "T": out += "\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
            case "F": out += "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
            case "D": out += "\(pad(month, 2))/\(pad(day, 2))/\(pad(year % 100, 2))"
            case "R": out += "\(pad(hour, 2)):\(pad(minute, 2))"
            case "r": out += "\(pad(hour % 12 == 0 ? 12 : hour % 12, 2)):\(pad(minute, 2)):\(pad(second, 2)) \(hour < 12 ? "AM" : "PM")"
            case "n": out += "\n"
            case "t": out += "\t"
            case "%": out += "%"
            default: out += "%" + flags + width + String(letter)
            }
        }
        return out
    }

    /// (year, month, day) of a day number since 1970-01-01 (Howard Hinnant's civil_from_days).
    static func civil(_ days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (month <= 2 ? 1 : 0)), Int(month), Int(day))
    }

    /// Day number since 1970-01-01 of a civil date (days_from_civil).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
