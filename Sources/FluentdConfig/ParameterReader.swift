/// Typed, validated access to one section's parameters that remembers what was read.
///
/// ```swift
/// var r = element.reader()
/// let host = try r.string("host")                                   // required
/// let port = try r.integer("port", default: 24224)
/// let hb = try r.time("heartbeat_interval", default: 1)
/// let key = try r.optionalString("shared_key")
/// let servers = try r.sections("server", required: true)
/// try r.rejectUnknown()                                             // typos become errors
/// ```
/// Every getter takes `aliases` (silently accepted other names, Fluentd's `alias:`) and `deprecatedNames`
/// (accepted with a warning). Conversion errors and missing required parameters throw `ConfigError` at the
/// right file:line.
public struct ParameterReader: Sendable {
    public let element: ConfigElement
    /// Warnings produced while reading (deprecated names, both a name and its alias given, ...).
    public private(set) var warnings: [ConfigWarning] = []
    /// Parameter names that were looked up and present.
    public private(set) var usedNames: Set<String> = []
    /// Every parameter name asked about (present or not); the vocabulary for "did you mean".
    public private(set) var knownNames: Set<String> = []
    /// Section names asked about via `section`/`sections`/`ignoreSections`.
    public private(set) var knownSections: Set<String> = []

    public init(_ element: ConfigElement) {
        self.element = element
    }

    // MARK: Generic access

    /// The value of `name` converted by `type`, or `default` when absent.
    public mutating func value<T>(
        _ name: String, as type: ConfigValueType<T>, default defaultValue: T, aliases: [String] = [],
        deprecatedNames: [String] = []
    ) throws -> T {
        try optionalValue(name, as: type, aliases: aliases, deprecatedNames: deprecatedNames) ?? defaultValue
    }

    /// The value of `name` converted by `type`; throws "'name' parameter is required" when absent.
    public mutating func value<T>(
        _ name: String, as type: ConfigValueType<T>, aliases: [String] = [], deprecatedNames: [String] = []
    ) throws -> T {
        guard let v = try optionalValue(name, as: type, aliases: aliases, deprecatedNames: deprecatedNames) else {
            throw ConfigError("'\(name)' parameter is required (\(where_))", at: element.location)
        }
        return v
    }

    /// The value of `name` converted by `type`, or nil when absent.
    public mutating func optionalValue<T>(
        _ name: String, as type: ConfigValueType<T>, aliases: [String] = [], deprecatedNames: [String] = []
    ) throws -> T? {
        guard let p = lookup(name, aliases: aliases, deprecatedNames: deprecatedNames) else { return nil }
        do {
            return try type.convert(p.value)
        } catch let e as ConfigError {
            throw ConfigError("invalid value for '\(p.name)' (\(where_)): \(e.message)", at: p.location)
        }
    }

    /// The raw parameter (marking it used), or nil.
    public mutating func param(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) -> ConfigParam? {
        lookup(name, aliases: aliases, deprecatedNames: deprecatedNames)
    }

    /// Whether `name` (or an alias) is present; does not mark it used.
    public func has(_ name: String, aliases: [String] = []) -> Bool {
        ([name] + aliases).contains { element.has($0) }
    }

    // MARK: Typed getters (default / required / optional)

    public mutating func string(_ name: String, default d: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> String {
        try value(name, as: .string, default: d, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func string(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> String {
        try value(name, as: .string, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func optionalString(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> String? {
        try optionalValue(name, as: .string, aliases: aliases, deprecatedNames: deprecatedNames)
    }

    public mutating func integer(_ name: String, default d: Int, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Int {
        try value(name, as: .integer, default: d, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func integer(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Int {
        try value(name, as: .integer, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func optionalInteger(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Int? {
        try optionalValue(name, as: .integer, aliases: aliases, deprecatedNames: deprecatedNames)
    }

    public mutating func float(_ name: String, default d: Double, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Double {
        try value(name, as: .float, default: d, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func float(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Double {
        try value(name, as: .float, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func optionalFloat(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Double? {
        try optionalValue(name, as: .float, aliases: aliases, deprecatedNames: deprecatedNames)
    }

    /// Bytes (`8m` = 8 MiB).
    public mutating func size(_ name: String, default d: Int, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Int {
        try value(name, as: .size, default: d, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func size(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Int {
        try value(name, as: .size, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func optionalSize(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Int? {
        try optionalValue(name, as: .size, aliases: aliases, deprecatedNames: deprecatedNames)
    }

    /// Seconds (`10m` = 600).
    public mutating func time(_ name: String, default d: Double, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Double {
        try value(name, as: .time, default: d, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func time(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Double {
        try value(name, as: .time, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func optionalTime(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Double? {
        try optionalValue(name, as: .time, aliases: aliases, deprecatedNames: deprecatedNames)
    }

    /// true/yes/false/no; a bare key is true.
    public mutating func bool(_ name: String, default d: Bool, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Bool {
        try value(name, as: .bool, default: d, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func bool(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Bool {
        try value(name, as: .bool, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func optionalBool(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> Bool? {
        try optionalValue(name, as: .bool, aliases: aliases, deprecatedNames: deprecatedNames)
    }

    /// JSON array or comma-separated list, as strings.
    public mutating func array(_ name: String, default d: [String], aliases: [String] = [], deprecatedNames: [String] = []) throws -> [String] {
        try value(name, as: .array, default: d, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func array(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> [String] {
        try value(name, as: .array, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func optionalArray(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> [String]? {
        try optionalValue(name, as: .array, aliases: aliases, deprecatedNames: deprecatedNames)
    }

    /// JSON object or `k:v,k2:v2`, as strings.
    public mutating func hash(_ name: String, default d: [String: String], aliases: [String] = [], deprecatedNames: [String] = []) throws -> [String: String] {
        try value(name, as: .hash, default: d, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func hash(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> [String: String] {
        try value(name, as: .hash, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func optionalHash(_ name: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> [String: String]? {
        try optionalValue(name, as: .hash, aliases: aliases, deprecatedNames: deprecatedNames)
    }

    /// One of `allowed`, as text.
    public mutating func enumeration(_ name: String, allowed: [String], default d: String, aliases: [String] = [], deprecatedNames: [String] = []) throws -> String {
        try value(name, as: .enumeration(allowed), default: d, aliases: aliases, deprecatedNames: deprecatedNames)
    }

    /// A Swift enum whose raw values are the allowed spellings (`enum HeartbeatType: String, CaseIterable { case transport, tcp, udp, none }`).
    public mutating func enumeration<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, default d: E, aliases: [String] = [], deprecatedNames: [String] = []
    ) throws -> E where E.RawValue == String {
        try value(name, as: Self.enumType(E.self), default: d, aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func enumeration<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, as _: E.Type, aliases: [String] = [], deprecatedNames: [String] = []
    ) throws -> E where E.RawValue == String {
        try value(name, as: Self.enumType(E.self), aliases: aliases, deprecatedNames: deprecatedNames)
    }
    public mutating func optionalEnumeration<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, as _: E.Type, aliases: [String] = [], deprecatedNames: [String] = []
    ) throws -> E? where E.RawValue == String {
        try optionalValue(name, as: Self.enumType(E.self), aliases: aliases, deprecatedNames: deprecatedNames)
    }

    static func enumType<E: RawRepresentable & CaseIterable & Sendable>(_: E.Type) -> ConfigValueType<E> where E.RawValue == String {
        ConfigValueType(name: "enum") { text in
            let raw = try ConfigValueTypes.enumeration(text, allowed: E.allCases.map(\.rawValue))
            guard let v = E(rawValue: raw) else { throw ConfigError("valid options are \(E.allCases.map(\.rawValue).joined(separator: ",")) but got '\(text)'", at: nil) }
            return v
        }
    }

    // MARK: Deprecation

    /// Accepts `name` without reading it, warning "'name' parameter is deprecated: message" when present.
    public mutating func deprecated(_ name: String, message: String) {
        knownNames.insert(name)
        guard let p = element.param(name) else { return }
        usedNames.insert(name)
        warnings.append(ConfigWarning("'\(name)' parameter is deprecated: \(message)", at: p.location))
    }

    /// Throws "'name' parameter is already removed: message" when `name` is present.
    public mutating func obsoleted(_ name: String, message: String) throws {
        knownNames.insert(name)
        guard let p = element.param(name) else { return }
        usedNames.insert(name)
        throw ConfigError("'\(name)' parameter is already removed: \(message) (\(where_))", at: p.location)
    }

    /// Marks parameters as handled elsewhere so `rejectUnknown` accepts them.
    public mutating func ignore(_ names: String...) {
        for n in names {
            knownNames.insert(n)
            if element.has(n) { usedNames.insert(n) }
        }
    }

    // MARK: Sections

    /// The single `<name>` child (or one spelled as an alias); throws if written more than once, or if required and absent.
    public mutating func section(_ name: String, aliases: [String] = [], required: Bool = false) throws -> ConfigElement? {
        let found = try sections(name, aliases: aliases, required: required)
        if found.count > 1 {
            throw ConfigError("'<\(name)>' section cannot be written twice or more (\(where_); first at \(found[0].location))", at: found[1].location)
        }
        return found.first
    }

    /// All `<name>` children (and those spelled as an alias), in order; throws if required and none exist.
    public mutating func sections(_ name: String, aliases: [String] = [], required: Bool = false) throws -> [ConfigElement] {
        let names = Set([name] + aliases)
        knownSections.formUnion(names)
        let found = element.children.filter { names.contains($0.name) }
        if required && found.isEmpty {
            throw ConfigError("'<\(name)>' sections are required (\(where_))", at: element.location)
        }
        return found
    }

    /// Marks child sections as handled elsewhere so `rejectUnknown` accepts them.
    public mutating func ignoreSections(_ names: String...) { knownSections.formUnion(names) }

    // MARK: Finishing

    /// Parameters present but never read (reserved `@type`/`@id`/`@label`/`@log_level` excluded unless asked).
    public func unusedParams(includingReserved: Bool = false) -> [ConfigParam] {
        element.params.filter {
            !usedNames.contains($0.name) && (includingReserved || !ConfigElement.reservedParameterNames.contains($0.name))
        }
    }

    /// Child sections never asked for.
    public var unusedSections: [ConfigElement] { element.children.filter { !knownSections.contains($0.name) } }

    /// Throws one error listing every parameter never read (and, if `sections`, every child section never
    /// asked for), each with its file:line and close matches. The error sits at the first offender's line.
    public func rejectUnknown(sections: Bool = true, includingReserved: Bool = false) throws {
        var problems: [(ConfigLocation, String)] = []
        for p in unusedParams(includingReserved: includingReserved) {
            let hint = NameSuggestions.hint(for: p.name, in: knownNames)
            problems.append((p.location, "unknown parameter '\(p.name)'\(hint)"))
        }
        if sections {
            for s in unusedSections {
                let hint = NameSuggestions.hint(for: s.name, in: knownSections) { "<\($0)>" }
                problems.append((s.location, "unknown section <\(s.name)>\(hint)"))
            }
        }
        guard let first = problems.first else { return }
        if problems.count == 1 {
            throw ConfigError("\(first.1) (\(where_))", at: first.0)
        }
        let list = problems.map { "\($0.1) at \($0.0)" }.joined(separator: "; ")
        throw ConfigError("\(problems.count) unknown names (\(where_)): \(list)", at: first.0)
    }

    /// Appends another reader's warnings (e.g. a child section's) to this one.
    public mutating func absorbWarnings(from other: ParameterReader) {
        warnings.append(contentsOf: other.warnings)
    }

    // MARK: Internals

    /// "in <server> in <match **>" / "at top level", for messages.
    var where_: String {
        element.name == "ROOT" && element.ancestors.isEmpty ? "at top level" : "in \(element.context)"
    }

    mutating func lookup(_ name: String, aliases: [String], deprecatedNames: [String]) -> ConfigParam? {
        let candidates = [name] + aliases + deprecatedNames
        knownNames.formUnion(candidates)
        let present = candidates.compactMap { element.param($0) }
        guard let chosen = present.first else { return nil }
        for p in present { usedNames.insert(p.name) }
        if present.count > 1 {
            let others = present.dropFirst().map { "'\($0.name)'" }.joined(separator: ", ")
            warnings.append(ConfigWarning("both '\(chosen.name)' and \(others) are set (\(where_)); using '\(chosen.name)'", at: chosen.location))
        }
        if deprecatedNames.contains(chosen.name) {
            warnings.append(ConfigWarning("'\(chosen.name)' is deprecated (\(where_)); use '\(name)' instead", at: chosen.location))
        }
        return chosen
    }
}
