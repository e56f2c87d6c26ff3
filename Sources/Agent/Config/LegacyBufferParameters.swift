import FluentdConfig

/// The v0.12 top-level buffer names and their conversion into a `<buffer>` section (docs/agent-parameters.md, "v0.12 top-level names").
///
/// As in Fluentd, conversion happens only when the output has no `<buffer>` section and at least one old
/// name is present. Unlike Fluentd (which ignores them with a "not used" warning), old names next to a
/// `<buffer>` section are an error here, because they would silently do nothing.
public enum LegacyBufferParameters {
    /// v0.12 name → v1 `<buffer>` name (`time_slice_format` is special: it becomes chunk key `time` + `timekey`).
    public static let conversions: [(old: String, new: String)] = [
        ("buffer_type", "@type"), ("buffer_path", "path"), ("num_threads", "flush_thread_count"),
        ("flush_interval", "flush_interval"), ("try_flush_interval", "flush_thread_interval"),
        ("queued_chunk_flush_interval", "flush_thread_burst_interval"), ("disable_retry_limit", "retry_forever"),
        ("retry_limit", "retry_max_times"), ("max_retry_wait", "retry_max_interval"),
        ("buffer_chunk_limit", "chunk_limit_size"), ("buffer_queue_limit", "queue_limit_length"),
        ("buffer_queue_full_action", "overflow_action"), ("flush_at_shutdown", "flush_at_shutdown"),
        ("time_slice_wait", "timekey_wait"), ("timezone", "timekey_zone"),
    ]

    /// Every old name recognised (including `time_slice_format`).
    public static var allNames: [String] { conversions.map(\.old) + ["time_slice_format"] }

    struct Result {
        /// The synthetic `<buffer>` built from the old names, or nil when nothing was converted.
        var buffer: ConfigElement?
        /// Whether `flush_interval` was written at the top level (forces `flush_mode interval`).
        var flushIntervalOutside: Bool
    }

    /// Consumes the old names from `r` (an output section) and builds the `<buffer>` they describe.
    static func convert(_ r: inout SectionReader, defaultChunkKey: String, hasBufferSection: Bool) throws -> Result {
        let el = r.element
        let present = allNames.compactMap { el.param($0) }
        let flushIntervalOutside = el.has("flush_interval")
        // `retry_wait` keeps its name in v1 but is only read inside <buffer>; Fluentd does not convert it.
        if let p = el.param("retry_wait") {
            r.raw.ignore("retry_wait")
            r.warn("top-level 'retry_wait' is ignored, as in Fluentd (it is not a v0.12 conversion name); write it inside <buffer> (\(r.context))", at: p.location)
        }
        guard !present.isEmpty else { return Result(buffer: nil, flushIntervalOutside: false) }
        if hasBufferSection {
            let first = present[0]
            throw ConfigError(
                "v0.12 parameter '\(first.name)' is not converted because a <buffer> section exists; move it into <buffer>\(target(first.name).map { " as '\($0)'" } ?? "") (\(r.context))",
                at: first.location)
        }
        for name in allNames { r.raw.ignore(name) }

        var params: [ConfigParam] = []
        for (old, new) in conversions {
            guard let p = el.param(old) else { continue }
            var value = p.value
            if old == "buffer_queue_full_action" && value == "exception" { value = "throw_exception" }
            params.append(ConfigParam(name: new, value: value, location: p.location))
            r.warn("'\(old)' is a v0.12 name: converted to <buffer> '\(new)'\(value != p.value ? " \(value)" : "") (\(r.context))", at: p.location)
        }
        var chunkKey = defaultChunkKey
        if let fmt = el.param("time_slice_format") {
            chunkKey = "time"
            let timekey: Int
            if fmt.value.contains("%S") { timekey = 1 } else if fmt.value.contains("%M") { timekey = 60 } else if fmt.value.contains("%H") {
                timekey = 3600
            } else if fmt.value.contains("%d") { timekey = 86400 } else {
                throw ConfigError("time_slice_format only with %Y or %m is too long (\(r.context))", at: fmt.location)
            }
            params.append(ConfigParam(name: "timekey", value: String(timekey), location: fmt.location))
            r.warn("'time_slice_format' is a v0.12 name: converted to <buffer time> with timekey \(timekey) (\(r.context))", at: fmt.location)
            let localtime = el.param("localtime")
            let utc = el.param("utc")
            r.raw.ignore("localtime", "utc")
            if let localtime, utc != nil {
                throw ConfigError("both of utc and localtime are specified, use only one of them (\(r.context))", at: localtime.location)
            } else if let localtime {
                let isLocal = (try? ConfigValueTypes.bool(localtime.value)) ?? true
                params.append(ConfigParam(name: "timekey_use_utc", value: isLocal ? "false" : "true", location: localtime.location))
            } else if let utc {
                params.append(ConfigParam(name: "timekey_use_utc", value: utc.value, location: utc.location))
            }
        }
        let buffer = ConfigElement(
            name: "buffer", argument: chunkKey, params: params, location: present[0].location, ancestors: el.sectionAncestry)
        return Result(buffer: buffer, flushIntervalOutside: flushIntervalOutside)
    }

    static func target(_ old: String) -> String? {
        conversions.first { $0.old == old }?.new
    }
}

extension BufferConfig {
    /// The optional `<buffer>` of a `file`/`stdout`/`null` output: the section, or one converted from v0.12
    /// names, or nil (unbuffered). Chunk keys default to none.
    static func parseOptional(_ r: inout SectionReader, path: String, into ctx: inout ConfigBuildContext) throws -> BufferConfig? {
        let section = try r.raw.section("buffer")
        let legacy = try LegacyBufferParameters.convert(&r, defaultChunkKey: "", hasBufferSection: section != nil)
        guard let element = section ?? legacy.buffer else { return nil }
        return try BufferConfig.parse(
            element, parent: r.element, path: "\(path) <buffer>", defaultChunkKeys: [], flushIntervalOutside: legacy.flushIntervalOutside,
            into: &ctx)
    }
}
