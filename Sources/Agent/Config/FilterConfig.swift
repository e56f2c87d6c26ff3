import FluentdConfig
import Foundation

/// One `<filter pattern...>` and its plugin (docs/pipeline.md, "Filters").
public struct FilterConfig: Sendable, Equatable {
    /// The filter plugins the agent runs.
    public enum Kind: Sendable, Equatable {
        case grep(GrepFilter)
        case recordTransformer(RecordTransformer)
    }

    /// Filter `@type` names the agent implements.
    public static let supportedTypes = ["grep", "record_transformer"]

    public var patterns: [MatchPattern]
    public var kind: Kind
    /// The `<label @NAME>` this filter belongs to, or nil for top-level filters.
    public var label: String?
    public var location: ConfigLocation
    public var element: ConfigElement

    /// Whether any pattern matches `tag`.
    public func matches(_ tag: String) -> Bool { patterns.contains { $0.matches(tag) } }

    /// `grep` / `record_transformer`.
    public var typeName: String {
        switch kind {
        case .grep: "grep"
        case .recordTransformer: "record_transformer"
        }
    }

    static func parse(_ element: ConfigElement, label: String?, into ctx: inout ConfigBuildContext) throws -> FilterConfig {
        let (patterns, path) = try MatchPattern.sectionPatterns(element, section: "filter", label: label)
        let kind: Kind
        switch element.type {
        case nil, "":
            throw ConfigError("Missing '@type' parameter on <filter> directive", at: element.location)
        case "grep":
            kind = .grep(try GrepFilter.parse(element, path: path, into: &ctx))
        case "record_transformer":
            kind = .recordTransformer(try RecordTransformer.parse(element, path: path, hostname: SystemHostname.name(), into: &ctx))
        case let other?:
            let p = element.param("@type") ?? element.param("type")
            throw ConfigError(
                "filter plugin '\(other)' is not supported by the ForwardLab agent (it runs: \(supportedTypes.joined(separator: ", "))); run this configuration on real Fluentd (fwdlab run --agent fluentd) (in \(element.context))",
                at: p?.location ?? element.location)
        }
        return FilterConfig(patterns: patterns, kind: kind, label: label, location: element.location, element: element)
    }
}
