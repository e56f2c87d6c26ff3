import FluentdConfig
import ForwardProtocol

/// A `ParameterReader` that also records every resolved value (for `--dry-run`) and shares warnings.
///
/// Each section parser reads through one of these, then calls `ConfigBuildContext.finish(_:)`, which rejects
/// unknown names with file:line and collects the warnings and effective settings.
struct SectionReader {
    var raw: ParameterReader
    /// Section path shown in the effective-settings listing.
    let path: String
    private(set) var settings: [EffectiveSetting] = []
    private(set) var extraWarnings: [ConfigWarning] = []

    init(_ element: ConfigElement, path: String) {
        self.raw = element.reader()
        self.path = path
    }

    var element: ConfigElement { raw.element }

    /// `in <server> in <match app.**>` / `at top level`, for messages.
    var context: String {
        element.name == "ROOT" && element.ancestors.isEmpty ? "at top level" : "in \(element.context)"
    }

    /// The parameter as written (first of name, aliases, deprecated names), without marking it used.
    func written(_ names: [String]) -> ConfigParam? {
        names.lazy.compactMap { self.element.param($0) }.first
    }

    mutating func warn(_ message: String, at location: ConfigLocation? = nil) {
        extraWarnings.append(ConfigWarning(message, at: location ?? element.location))
    }

    mutating func record(_ name: String, _ value: String, isDefault: Bool, location: ConfigLocation? = nil, note: String? = nil) {
        settings.append(EffectiveSetting(section: path, name: name, value: value, isDefault: isDefault, location: location, note: note))
    }

    func error(_ message: String, at location: ConfigLocation? = nil) -> ConfigError {
        ConfigError("\(message) (\(context))", at: location ?? element.location)
    }

    // MARK: Generic

    /// A value with a default; "nil" written for an optional numeric/time value is handled by `optional`.
    mutating func value<T: Sendable>(
        _ name: String, _ type: ConfigValueType<T>, default d: T, aliases: [String] = [], deprecated: [String] = [],
        secret: Bool = false, note: String? = nil, show: (T) -> String
    ) throws -> T {
        let p = written([name] + aliases + deprecated)
        let v = try raw.value(name, as: type, default: d, aliases: aliases, deprecatedNames: deprecated)
        record(name, secret && p != nil ? ConfigDisplay.secretMask : show(v), isDefault: p == nil, location: p?.location, note: note)
        return v
    }

    /// An optional value (default nil). A literal `nil` for a numeric type is read as 0 with a warning,
    /// because that is what Fluentd's non-strict conversion does (`"nil".to_f` is 0.0).
    mutating func optional<T: Sendable>(
        _ name: String, _ type: ConfigValueType<T>, aliases: [String] = [], deprecated: [String] = [], secret: Bool = false,
        nilLiteralAsZero: T? = nil, note: String? = nil, show: (T) -> String
    ) throws -> T? {
        let p = written([name] + aliases + deprecated)
        var v: T?
        if let p, p.value == "nil", let zero = nilLiteralAsZero {
            _ = raw.param(name, aliases: aliases, deprecatedNames: deprecated)
            warn("'\(p.name) nil' is read as 0 by Fluentd (a non-numeric text converts to 0), not as unset; delete the line to keep the default (\(context))", at: p.location)
            v = zero
        } else {
            v = try raw.optionalValue(name, as: type, aliases: aliases, deprecatedNames: deprecated)
        }
        let shown = v.map { secret ? ConfigDisplay.secretMask : show($0) } ?? "nil"
        record(name, shown, isDefault: p == nil, location: p?.location, note: note)
        return v
    }

    /// A required value.
    mutating func required<T: Sendable>(
        _ name: String, _ type: ConfigValueType<T>, aliases: [String] = [], secret: Bool = false, show: (T) -> String
    ) throws -> T {
        let p = written([name] + aliases)
        let v = try raw.value(name, as: type, aliases: aliases)
        record(name, secret ? ConfigDisplay.secretMask : show(v), isDefault: false, location: p?.location)
        return v
    }

    // MARK: Typed conveniences

    mutating func string(_ name: String, default d: String, aliases: [String] = [], deprecated: [String] = [], secret: Bool = false, note: String? = nil) throws -> String {
        try value(name, .string, default: d, aliases: aliases, deprecated: deprecated, secret: secret, note: note) { "\"\($0)\"" }
    }
    mutating func optionalString(_ name: String, aliases: [String] = [], deprecated: [String] = [], secret: Bool = false, note: String? = nil) throws -> String? {
        try optional(name, .string, aliases: aliases, deprecated: deprecated, secret: secret, note: note) { "\"\($0)\"" }
    }
    mutating func requiredString(_ name: String, secret: Bool = false) throws -> String {
        try required(name, .string, secret: secret) { "\"\($0)\"" }
    }
    mutating func integer(_ name: String, default d: Int, aliases: [String] = [], deprecated: [String] = [], note: String? = nil) throws -> Int {
        try value(name, .integer, default: d, aliases: aliases, deprecated: deprecated, note: note) { String($0) }
    }
    mutating func optionalInteger(_ name: String, aliases: [String] = [], deprecated: [String] = [], note: String? = nil) throws -> Int? {
        try optional(name, .integer, aliases: aliases, deprecated: deprecated, nilLiteralAsZero: 0, note: note) { String($0) }
    }
    mutating func float(_ name: String, default d: Double, aliases: [String] = [], deprecated: [String] = [], note: String? = nil) throws -> Double {
        try value(name, .float, default: d, aliases: aliases, deprecated: deprecated, note: note) { ConfigDisplay.number($0) }
    }
    mutating func optionalFloat(_ name: String, note: String? = nil) throws -> Double? {
        try optional(name, .float, nilLiteralAsZero: 0, note: note) { ConfigDisplay.number($0) }
    }
    mutating func size(_ name: String, default d: Int, aliases: [String] = [], deprecated: [String] = [], note: String? = nil) throws -> Int {
        try value(name, .size, default: d, aliases: aliases, deprecated: deprecated, note: note) { ConfigDisplay.size($0) }
    }
    mutating func optionalSize(_ name: String, note: String? = nil) throws -> Int? {
        try optional(name, .size, nilLiteralAsZero: 0, note: note) { ConfigDisplay.size($0) }
    }
    mutating func time(_ name: String, default d: Double, aliases: [String] = [], deprecated: [String] = [], note: String? = nil) throws -> Double {
        try value(name, .time, default: d, aliases: aliases, deprecated: deprecated, note: note) { ConfigDisplay.seconds($0) + "s" }
    }
    mutating func optionalTime(_ name: String, note: String? = nil) throws -> Double? {
        try optional(name, .time, nilLiteralAsZero: 0, note: note) { ConfigDisplay.seconds($0) + "s" }
    }
    mutating func bool(_ name: String, default d: Bool, aliases: [String] = [], deprecated: [String] = [], note: String? = nil) throws -> Bool {
        try value(name, .bool, default: d, aliases: aliases, deprecated: deprecated, note: note) { String($0) }
    }
    mutating func optionalBool(_ name: String, note: String? = nil) throws -> Bool? {
        try optional(name, .bool, note: note) { String($0) }
    }
    mutating func enumeration(_ name: String, allowed: [String], default d: String, aliases: [String] = [], note: String? = nil) throws -> String {
        try value(name, .enumeration(allowed), default: d, aliases: aliases, note: note) { $0 }
    }
    mutating func optionalArray(_ name: String, aliases: [String] = [], deprecated: [String] = [], note: String? = nil) throws -> [String]? {
        try optional(name, .array, aliases: aliases, deprecated: deprecated, note: note) { ConfigDisplay.list($0) }
    }

    /// Accepts a parameter the agent does not use, with a warning when it is written.
    mutating func acceptIgnored(_ name: String, why: String) {
        guard let p = element.param(name) else { raw.ignore(name); return }
        raw.ignore(name)
        warn("'\(name)' is accepted for compatibility but has no effect: \(why) (\(context))", at: p.location)
        record(name, "\"\(p.value)\"", isDefault: false, location: p.location, note: "ignored")
    }
}

/// Collects warnings and effective settings while a whole configuration is built.
struct ConfigBuildContext {
    var warnings: [ConfigWarning] = []
    var settings: [EffectiveSetting] = []
    /// `<system> fwdlab_fluentd_version`, read first: later sections ask it where releases differ.
    var profile: FluentdReleaseProfile = .default
    /// `<system> root_dir`, read first: a file buffer without `path` of a plugin with `@id` goes under it.
    var rootDir: String? = nil

    /// Rejects unknown parameters and sections, then keeps the reader's warnings and settings.
    mutating func finish(_ reader: SectionReader, sections: Bool = true) throws {
        try reader.raw.rejectUnknown(sections: sections)
        warnings.append(contentsOf: reader.raw.warnings)
        warnings.append(contentsOf: reader.extraWarnings)
        // Nested sections finish first; list a section's own values before its children's.
        let childPrefix = reader.path + " "
        if let i = settings.firstIndex(where: { $0.section.hasPrefix(childPrefix) }) {
            settings.insert(contentsOf: reader.settings, at: i)
        } else {
            settings.append(contentsOf: reader.settings)
        }
    }

    mutating func warn(_ message: String, at location: ConfigLocation) {
        warnings.append(ConfigWarning(message, at: location))
    }
}

extension ConfigElement {
    /// The ancestors a child of this element has (this element's label appended), for synthetic children.
    var sectionAncestry: [String] {
        name == "ROOT" && ancestors.isEmpty ? [] : ancestors + [argument.isEmpty ? name : "\(name) \(argument)"]
    }
}

extension SectionReader {
    /// `port` (0-65535, 0 = any free port) and `bind` of a listening `<source>`, validated with their file:line.
    mutating func listenAddress(defaultPort: Int) throws -> (bind: String, port: Int) {
        let port = try integer("port", default: defaultPort)
        if !(0...65535).contains(port) { throw error("port \(port) is out of range (0-65535)", at: written(["port"])?.location) }
        let bind = try string("bind", default: "0.0.0.0")
        if bind.isEmpty || bind.contains(where: { $0 == " " || $0 == "/" }) {
            throw error("invalid bind address '\(bind)'", at: written(["bind"])?.location)
        }
        return (bind, port)
    }
}
