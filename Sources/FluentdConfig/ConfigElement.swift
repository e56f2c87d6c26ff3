/// One `key value` line of a section, with where it was written.
public struct ConfigParam: Sendable, Hashable {
    public let name: String
    /// The literal value after unquoting/unescaping; JSON values are compacted JSON text; a bare key is "".
    public let value: String
    public let location: ConfigLocation

    public init(name: String, value: String, location: ConfigLocation) {
        self.name = name
        self.value = value
        self.location = location
    }
}

/// A section (`<name argument>` ... `</name>`) or the document root (name `ROOT`).
public struct ConfigElement: Sendable, Hashable, CustomStringConvertible {
    /// Parameter names Fluentd reserves for the framework rather than the plugin.
    public static let reservedParameterNames: Set<String> = ["@type", "@id", "@label", "@log_level"]

    public let name: String
    /// Everything between the name and `>`, trimmed (e.g. `"app.** system.**"`, `"tag,time"`, `"@OUT"`).
    public let argument: String
    /// Parameters in first-written order; when a key is repeated the last value wins (as in Fluentd).
    public let params: [ConfigParam]
    public let children: [ConfigElement]
    /// Where the opening tag was written (file:1 for the root).
    public let location: ConfigLocation
    /// Enclosing sections, shared between siblings so deep documents stay linear in memory.
    let ancestry: AncestorChain?

    public init(
        name: String, argument: String = "", params: [ConfigParam] = [], children: [ConfigElement] = [],
        location: ConfigLocation, ancestors: [String] = []
    ) {
        self.init(
            name: name, argument: argument, params: params, children: children, location: location,
            ancestry: ancestors.reduce(nil) { AncestorChain(label: $1, parent: $0) })
    }

    init(
        name: String, argument: String, params: [ConfigParam], children: [ConfigElement], location: ConfigLocation,
        ancestry: AncestorChain?
    ) {
        self.name = name
        self.argument = argument
        self.params = params
        self.children = children
        self.location = location
        self.ancestry = ancestry
    }

    /// Labels (`"match app.**"`) of the enclosing sections, outermost first; empty for top-level sections.
    public var ancestors: [String] {
        var out: [String] = []
        var node = ancestry
        while let n = node {
            out.append(n.label)
            node = n.parent
        }
        return out.reversed()
    }

    public static func == (a: ConfigElement, b: ConfigElement) -> Bool {
        a.name == b.name && a.argument == b.argument && a.params == b.params && a.location == b.location
            && a.ancestors == b.ancestors && a.children == b.children
    }

    public func hash(into h: inout Hasher) {
        h.combine(name)
        h.combine(argument)
        h.combine(params)
        h.combine(location)
        h.combine(children)
    }

    // MARK: Arguments

    /// The argument split on whitespace, as Fluentd splits `<match a.** b.**>` patterns.
    public var arguments: [String] {
        argument.split(whereSeparator: { $0.isRubyWhitespace }).map(String.init)
    }

    /// The argument split on commas and trimmed, as Fluentd splits `<buffer tag,time>` chunk keys.
    public var commaSeparatedArguments: [String] {
        argument.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    // MARK: Parameters

    /// The raw value of `key`, or nil when absent.
    public subscript(key: String) -> String? { param(key)?.value }

    /// The parameter named `key`, or nil when absent.
    public func param(_ key: String) -> ConfigParam? { params.first { $0.name == key } }

    /// Whether `key` is present (even with an empty value).
    public func has(_ key: String) -> Bool { param(key) != nil }

    /// `@type`, falling back to the v0.12-style `type`.
    public var type: String? { self["@type"] ?? self["type"] }
    /// `@id`.
    public var id: String? { self["@id"] }
    /// `@log_level`, falling back to the older `log_level`.
    public var logLevel: String? { self["@log_level"] ?? self["log_level"] }
    /// `@label` (the routing label of a `<source>`), e.g. `@OUT`.
    public var label: String? { self["@label"] }

    // MARK: Children

    /// Direct children named `name`, in order.
    public func children(named name: String) -> [ConfigElement] { children.filter { $0.name == name } }

    /// The first direct child named `name`.
    public func child(named name: String) -> ConfigElement? { children.first { $0.name == name } }

    /// A reader that converts parameters to typed values and tracks which were used.
    public func reader() -> ParameterReader { ParameterReader(self) }

    // MARK: Describing

    /// `<name argument>` (or `<name>`), as used in messages.
    public var tag: String { argument.isEmpty ? "<\(name)>" : "<\(name) \(argument)>" }

    /// The section and its ancestors for messages: `<server> in <match app.**>`; `top level` for the root.
    public var context: String {
        if name == "ROOT" && ancestry == nil { return "top level" }
        guard ancestry != nil else { return tag }
        return ([tag] + ancestors.reversed().map { "<\($0)>" }).joined(separator: " in ")
    }

    /// The element rendered back as Fluentd configuration text (values quoted when needed).
    public var description: String { rendered() }

    /// Renders the element as configuration text, indented by `indent` levels of two spaces.
    public func rendered(indent: Int = 0) -> String {
        var out = ""
        render(into: &out, indent: indent, isRoot: name == "ROOT" && ancestry == nil && indent == 0)
        return out
    }

    /// Appends to one buffer (linear in the output) and caps indentation, which is cosmetic, for absurd depths.
    private func render(into out: inout String, indent: Int, isRoot: Bool) {
        let pad = String(repeating: "  ", count: min(indent, 32))
        let inner = isRoot ? pad : pad + "  "
        if !isRoot { out += "\(pad)\(tag)\n" }
        for p in params { out += "\(inner)\(p.name) \(Self.quoteIfNeeded(p.value))".trimmingTrailingSpaces() + "\n" }
        for c in children { c.render(into: &out, indent: isRoot ? indent : indent + 1, isRoot: false) }
        if !isRoot { out += "\(pad)</\(name)>\n" }
    }

    /// Values that would not survive an unquoted round trip get double quotes and escapes.
    static func quoteIfNeeded(_ value: String) -> String {
        let needs = value.first.map { "\"'[{ \t".contains($0) } ?? false
            || value.last.map { $0 == " " || $0 == "\t" } ?? false
            || value.contains(" #") || value.contains("\t#") || value.contains("\n") || value.contains("\r")
        guard needs else { return value }
        var s = "\""
        for ch in value.unicodeScalars {
            switch ch {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            case "\t": s += "\\t"
            case "#": s += "\\#"  // keeps `#{` from reading as embedded code
            default: s.unicodeScalars.append(ch)
            }
        }
        return s + "\""
    }
}

extension StringProtocol {
    /// Trims what Ruby's `String#strip` trims (ASCII whitespace and NUL), not Unicode spaces.
    func trimmingWhitespace() -> String {
        var sub = Substring(self)
        while let f = sub.first, f.isRubyWhitespace { sub.removeFirst() }
        while let l = sub.last, l.isRubyWhitespace { sub.removeLast() }
        return String(sub)
    }

    func trimmingTrailingSpaces() -> String {
        var sub = Substring(self)
        while let l = sub.last, l == " " { sub.removeLast() }
        return String(sub)
    }
}

extension Character {
    /// Ruby's whitespace set for `strip`/`split`: space, \t, \n, \v, \f, \r (and \r\n, one Swift Character).
    var isRubyWhitespace: Bool {
        switch self {
        case " ", "\t", "\n", "\u{0B}", "\u{0C}", "\r", "\r\n", "\0": return true
        default: return false
        }
    }
}

/// An immutable parent link; a class so thousands of nested sections share their common prefix.
final class AncestorChain: Sendable {
    let label: String
    let parent: AncestorChain?

    init(label: String, parent: AncestorChain?) {
        self.label = label
        self.parent = parent
    }
}
