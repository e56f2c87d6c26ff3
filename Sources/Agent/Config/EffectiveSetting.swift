import FluentdConfig

/// One resolved parameter, as `fwdlab agent --dry-run` prints it: where it lives, its value, and whether it was written.
public struct EffectiveSetting: Sendable, Hashable, CustomStringConvertible {
    /// The section path, e.g. `<match app.**> <buffer>`.
    public var section: String
    public var name: String
    /// The resolved value rendered for humans (`nil` when unset; secrets masked).
    public var value: String
    /// True when the value was not written in the configuration (a default or a derived value).
    public var isDefault: Bool
    /// Where the value was written, when it was.
    public var location: ConfigLocation?
    /// A short remark (`derived from ...`, `ForwardLab extension`), or nil.
    public var note: String?

    public init(section: String, name: String, value: String, isDefault: Bool, location: ConfigLocation? = nil, note: String? = nil) {
        self.section = section
        self.name = name
        self.value = value
        self.isDefault = isDefault
        self.location = location
        self.note = note
    }

    public var description: String {
        var s = "\(section) \(name) = \(value)"
        s += isDefault ? "  (default)" : location.map { "  (\($0))" } ?? "  (set)"
        if let note { s += "  [\(note)]" }
        return s
    }
}

/// Renders configuration values the way the dry-run listing shows them.
enum ConfigDisplay {
    /// Seconds without a trailing `.0` (`60`, `0.5`).
    static func seconds(_ v: Double) -> String {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    static func number(_ v: Double) -> String { seconds(v) }

    /// Bytes with a binary-unit hint (`8388608 (8m)`).
    static func size(_ v: Int) -> String {
        let units: [(Int, String)] = [(1 << 40, "t"), (1 << 30, "g"), (1 << 20, "m"), (1 << 10, "k")]
        for (factor, unit) in units where v >= factor && v % factor == 0 {
            return "\(v) (\(v / factor)\(unit))"
        }
        return String(v)
    }

    static func optional<T>(_ v: T?, _ render: (T) -> String) -> String { v.map(render) ?? "nil" }

    static func list(_ v: [String]) -> String { "[" + v.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }

    static let secretMask = "********"
}
