import FluentdConfig

/// One `<match pattern...>` and its output.
public struct MatchConfig: Sendable, Equatable {
    /// The patterns (space-separated in the section argument; an empty argument means `**`).
    public var patterns: [MatchPattern]
    public var output: OutputConfig
    /// The `<label @NAME>` this match belongs to, or nil for top-level matches.
    public var label: String?
    public var location: ConfigLocation
    /// The `<match>` section as written (monitor_agent lists its parameters).
    public var element: ConfigElement?

    public init(patterns: [MatchPattern], output: OutputConfig, label: String? = nil, location: ConfigLocation) {
        self.patterns = patterns
        self.output = output
        self.label = label
        self.location = location
    }

    /// Whether any pattern matches `tag`.
    public func matches(_ tag: String) -> Bool { patterns.contains { $0.matches(tag) } }

    /// `<match a.** b.*>` as written.
    public var tagDescription: String { "<match \(patterns.map(\.text).joined(separator: " "))>" }

    static func parse(_ element: ConfigElement, label: String?, into ctx: inout ConfigBuildContext) throws -> MatchConfig {
        let (patterns, path) = try MatchPattern.sectionPatterns(element, section: "match", label: label)
        let output = try OutputConfig.parse(element, type: element.type, path: path, asSecondary: false, primaryBuffer: nil, into: &ctx)
        var match = MatchConfig(patterns: patterns, output: output, label: label, location: element.location)
        match.element = element
        return match
    }
}
