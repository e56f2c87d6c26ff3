import FluentdConfig
import Foundation

/// `<source> @type tail` (in_tail): follows files, remembering positions in `pos_file` (docs/pipeline.md, "in_tail").
public struct TailSourceConfig: Sendable, Equatable {
    /// `<parse> @type` values the agent reads.
    public enum Format: String, Sendable, Equatable, CaseIterable { case none, json }

    /// The `path` patterns (split at `path_delimiter`, globs allowed).
    public var paths: [String]
    public var excludePaths: [String] = []
    /// `tag`; a `*` in it is replaced by the file's path with `/` as `.` (in_tail's tag expansion).
    public var tag: String
    public var posFile: String? = nil
    public var readFromHead = false
    public var refreshInterval: Double = 60
    public var rotateWait: Double = 5
    public var format: Format = .none
    /// `<parse> message_key` of parser_none.
    public var messageKey = "message"
    /// `path_key`: the file's path is added to each record under this key.
    public var pathKey: String? = nil
    public var label: String? = nil
    public var element: ConfigElement

    static func parse(_ element: ConfigElement, path: String, into ctx: inout ConfigBuildContext) throws -> TailSourceConfig {
        let fluentd = "run this configuration on real Fluentd (fwdlab run --agent fluentd)"
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        let delimiter = try r.string("path_delimiter", default: ",")
        let paths = try r.requiredString("path").components(separatedBy: delimiter).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var c = TailSourceConfig(paths: paths, tag: try r.requiredString("tag"), element: element)
        c.label = element.label
        c.excludePaths = try r.optionalArray("exclude_path") ?? []
        c.posFile = try r.optionalString("pos_file")
        c.readFromHead = try r.bool("read_from_head", default: false)
        c.refreshInterval = try r.time("refresh_interval", default: 60)
        c.rotateWait = try r.time("rotate_wait", default: 5)
        c.pathKey = try r.optionalString("path_key")
        if let p = element.param("follow_inodes"), p.value == "true" || p.value == "yes" || p.value.isEmpty {
            throw ConfigError("in_tail follow_inodes true is not supported by the ForwardLab agent; \(fluentd)", at: p.location)
        }
        _ = try r.bool("follow_inodes", default: false)
        // v0.12 `format none|json` at the source level, or a <parse> section.
        var formatText = try r.optionalString("format")
        if let parse = try r.raw.section("parse") {
            var pr = SectionReader(parse, path: path + " <parse>")
            formatText = pr.element.type
            pr.raw.ignore("type")
            c.messageKey = try pr.string("message_key", default: "message")
            _ = try pr.optionalString("time_key")
            try ctx.finish(pr)
        }
        guard let formatText else {
            throw ConfigError("<parse> section is required (in \(element.context))", at: element.location)
        }
        guard let format = Format(rawValue: formatText) else {
            throw ConfigError("in_tail parser '\(formatText)' is not supported by the ForwardLab agent (it reads: none, json); \(fluentd) (in \(element.context))",
                              at: element.child(named: "parse")?.location ?? element.param("format")?.location ?? element.location)
        }
        c.format = format
        for name in ["enable_watch_timer", "enable_stat_watcher", "skip_refresh_on_startup", "ignore_repeated_permission_error", "open_on_every_update"] {
            r.acceptIgnored(name, why: "the agent polls each file every second")
        }
        _ = try r.integer("read_lines_limit", default: 1000)
        try ctx.finish(r)
        return c
    }

    /// The tag of events read from `file`: `*` in `tag` replaced by the path with `/` as `.`, runs of dots squeezed and
    /// a leading dot dropped (in_tail.rb's `TailWatcher#tag`).
    public func tag(for file: String) -> String {
        guard tag.contains("*") else { return tag }
        var parsed = ""
        for c in file {
            let ch: Character = c == "/" ? "." : c
            if ch == ".", parsed.last == "." { continue }
            parsed.append(ch)
        }
        if parsed.hasPrefix(".") { parsed.removeFirst() }
        return tag.replacingOccurrences(of: "*", with: parsed)
    }
}
