import FluentdConfig
import ForwardProtocol

/// `<filter> @type grep` (filter_grep.rb): keeps a record when every `<regexp>` matches, any `<or>` regexp matches,
/// not all `<and>` excludes match and no `<exclude>` matches. A pure value (docs/pipeline.md, "grep").
public struct GrepFilter: Sendable, Equatable {
    /// One key and the pattern its value (as Ruby's `to_s`) must match.
    public struct Expression: Sendable, Equatable {
        public var key: RecordAccessor
        public var pattern: RubyRegexp

        /// Whether the record's value at `key` matches (a missing key is matched as the empty string).
        public func matches(_ record: [MessagePackPair]) -> Bool {
            pattern.matches(RubyValueText.toS(key.value(in: record) ?? .nil))
        }
    }

    /// All must match (top-level `<regexp>`s, `regexpN`, `<and><regexp>`).
    public var regexpAnd: [Expression] = []
    /// At least one must match (`<or><regexp>`).
    public var regexpOr: [Expression] = []
    /// The record is dropped when all match (`<and><exclude>`).
    public var excludeAnd: [Expression] = []
    /// The record is dropped when any matches (top-level `<exclude>`s, `excludeN`, `<or><exclude>`).
    public var excludeOr: [Expression] = []

    public init() {}

    /// Whether the record passes, in filter_grep.rb's order of checks.
    public func keeps(_ record: [MessagePackPair]) -> Bool {
        if !regexpAnd.isEmpty, regexpAnd.contains(where: { !$0.matches(record) }) { return false }
        if !regexpOr.isEmpty, !regexpOr.contains(where: { $0.matches(record) }) { return false }
        if !excludeAnd.isEmpty, excludeAnd.allSatisfy({ $0.matches(record) }) { return false }
        if !excludeOr.isEmpty, excludeOr.contains(where: { $0.matches(record) }) { return false }
        return true
    }

    static let legacyCount = 20

    static func parse(_ element: ConfigElement, path: String, into ctx: inout ConfigBuildContext) throws -> GrepFilter {
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        var f = GrepFilter()
        // Conditions are keyed by their key, as filter_grep.rb keeps them in hashes: a second one is a duplicate.
        func add(_ list: WritableKeyPath<GrepFilter, [Expression]>, _ e: Expression, _ duplicate: String, at location: ConfigLocation) throws {
            if f[keyPath: list].contains(where: { $0.key.source == e.key.source }) {
                throw ConfigError("\(duplicate)\(e.key.source) (in \(element.context))", at: location)
            }
            f[keyPath: list].append(e)
        }
        for (kind, list, dup) in [("regexp", \GrepFilter.regexpAnd, "contains a duplicated key, "),
                                  ("exclude", \GrepFilter.excludeOr, "contains a duplicated key, ")] {
            for i in 1...legacyCount {
                let name = "\(kind)\(i)"
                guard let p = r.raw.param(name) else { continue }
                r.warn("'\(name)' parameter is deprecated: Use <\(kind)> section (in \(element.context))", at: p.location)
                let parts = p.value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else {
                    throw ConfigError("\(name) does not contain 2 parameters (in \(element.context))", at: p.location)
                }
                let e = Expression(key: try RecordAccessor(String(parts[0]), at: p.location),
                                   pattern: try RubyRegexp(String(parts[1]), literal: true, at: p.location))
                try add(list, e, "\(name) \(dup)", at: p.location)
                r.record(name, "\"\(p.value)\"", isDefault: false, location: p.location)
            }
        }
        func expressions(_ parent: inout SectionReader, _ name: String) throws -> [(Expression, ConfigLocation)] {
            var out: [(Expression, ConfigLocation)] = []
            for (i, el) in try parent.raw.sections(name).enumerated() {
                var sr = SectionReader(el, path: "\(parent.path) <\(name)>[\(i)]")
                let keyText = try sr.requiredString("key")
                let patternParam = el.param("pattern")
                let patternText = try sr.requiredString("pattern")
                let e = Expression(key: try RecordAccessor(keyText, at: el.param("key")?.location),
                                   pattern: try RubyRegexp(patternText, at: patternParam?.location))
                try ctx.finish(sr)
                out.append((e, el.location))
            }
            return out
        }
        for (e, l) in try expressions(&r, "regexp") { try add(\.regexpAnd, e, "Duplicate key: ", at: l) }
        for (e, l) in try expressions(&r, "exclude") { try add(\.excludeOr, e, "Duplicate key: ", at: l) }
        for (name, regexpList, excludeList) in [("and", \GrepFilter.regexpAnd, \GrepFilter.excludeAnd),
                                                ("or", \GrepFilter.regexpOr, \GrepFilter.excludeOr)] {
            for (i, el) in try r.raw.sections(name).enumerated() {
                var sr = SectionReader(el, path: "\(path) <\(name)>[\(i)]")
                let regexps = try expressions(&sr, "regexp")
                let excludes = try expressions(&sr, "exclude")
                if !regexps.isEmpty && !excludes.isEmpty {
                    throw ConfigError("Do not specify both <regexp> and <exclude> in <\(name)> (in \(element.context))", at: el.location)
                }
                for (e, l) in regexps { try add(regexpList, e, "Duplicate key in <\(name)>: ", at: l) }
                for (e, l) in excludes { try add(excludeList, e, "Duplicate key in <\(name)>: ", at: l) }
                try ctx.finish(sr)
            }
        }
        try ctx.finish(r)
        return f
    }
}
