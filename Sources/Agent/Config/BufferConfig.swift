import FluentdConfig

/// A `<buffer>` section (docs/agent-parameters.md, "<buffer chunk_keys>") with Fluentd's defaults, mapped onto the core's `BufferSettings`/`RetrySettings`.
public struct BufferConfig: Sendable, Equatable {
    /// `@type`: where chunks live.
    public enum BufferType: String, Sendable, Equatable, CaseIterable { case memory, file }
    /// `flush_mode` as written; `default` resolves to `lazy` with a time key, else `interval`.
    public enum FlushMode: String, Sendable, Equatable, CaseIterable { case `default`, lazy, interval, immediate }
    /// `compress` (chunk storage compression).
    public enum Compression: String, Sendable, Equatable, CaseIterable { case text, gzip, zstd }

    public var type: BufferType = .memory
    /// `path` (file buffers: directory or path pattern; required for `@type file`).
    public var path: String? = nil
    /// `path_suffix` of file buffers.
    public var pathSuffix = ".log"
    /// The section argument (`<buffer tag,time>`), in order; `["tag"]` by default for out_forward.
    public var chunkKeys: [String] = ["tag"]
    public var timekey: Double? = nil
    public var timekeyWait: Double = 600
    public var timekeyUseUTC = false
    /// `timekey_zone` (nil → the local offset, as Fluentd's default `Time.now.strftime('%z')`).
    public var timekeyZone: String? = nil

    public var chunkLimitSize = 8 * 1024 * 1024
    public var chunkLimitRecords: Int? = nil
    public var totalLimitSize = 512 * 1024 * 1024
    public var queueLimitLength: Int? = nil
    public var chunkFullThreshold = 0.95
    public var queuedChunksLimitSize: Int? = nil
    public var compress: Compression = .text
    public var disableChunkBackup = false

    public var flushMode: FlushMode = .default
    /// The mode actually used (never `.default`).
    public var effectiveFlushMode: FlushMode = .interval
    public var flushInterval: Double = 60
    public var flushThreadCount = 1
    public var flushThreadInterval: Double = 1.0
    public var flushThreadBurstInterval: Double = 1.0
    public var delayedCommitTimeout: Double = 60
    public var overflowAction: BufferSettings.OverflowAction = .throwException
    /// `flush_at_shutdown` as written (nil → true for memory, false for file; see `effectiveFlushAtShutdown`).
    public var flushAtShutdown: Bool? = nil

    public var retryType: RetrySettings.Kind = .exponentialBackoff
    public var retryWait: Double = 1
    public var retryExponentialBackoffBase: Double = 2
    public var retryRandomize = true
    public var retryMaxInterval: Double? = nil
    public var retryMaxTimes: Int? = nil
    public var retryTimeout: Double = 72 * 3600
    public var retryForever = false
    public var retrySecondaryThreshold = 0.8

    public init() {}

    /// flush_at_shutdown after applying the buffer type's default.
    public var effectiveFlushAtShutdown: Bool { flushAtShutdown ?? (type == .memory) }

    /// Chunk keys without `tag`/`time` (record keys).
    public var recordChunkKeys: [String] { chunkKeys.filter { $0 != "tag" && $0 != "time" } }

    /// The core's queue settings.
    public var bufferSettings: BufferSettings {
        var s = BufferSettings()
        s.chunkLimitSize = chunkLimitSize
        s.chunkLimitRecords = chunkLimitRecords
        s.chunkFullThreshold = chunkFullThreshold
        s.totalLimitSize = totalLimitSize
        s.queueLimitLength = queueLimitLength
        s.queuedChunksLimitSize = queuedChunksLimitSize
        s.flushThreadCount = flushThreadCount
        s.flushInterval = flushInterval
        s.flushImmediately = effectiveFlushMode == .immediate
        s.overflowAction = overflowAction
        s.flushAtShutdown = effectiveFlushAtShutdown
        return s
    }

    /// The core's retry settings (`hasSecondary` is filled in by the output that owns the buffer).
    public var retrySettings: RetrySettings {
        var s = RetrySettings()
        s.type = retryType
        s.wait = retryWait
        s.timeout = retryTimeout
        s.forever = retryForever
        s.maxTimes = retryMaxTimes
        s.backoffBase = retryExponentialBackoffBase
        s.maxInterval = retryMaxInterval
        s.randomize = retryRandomize
        s.secondaryThreshold = retrySecondaryThreshold
        return s
    }

    /// Chunk key syntax: `tag`, `time`, record keys (letters, digits, `-_.@`) or `$.record.accessor` paths.
    static func isValidChunkKey(_ key: String) -> Bool {
        let body = key.hasPrefix("$.") ? key.dropFirst(2) : Substring(key)
        return !body.isEmpty && body.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.@".contains($0)) }
    }

    /// Parses a `<buffer>` section (or the defaults when `element` is nil).
    /// - Parameters:
    ///   - defaultChunkKeys: used when the section has no argument (out_forward: `["tag"]`).
    ///   - flushIntervalOutside: a top-level (v0.12) `flush_interval` was written, which forces `interval` mode.
    static func parse(
        _ element: ConfigElement?, parent: ConfigElement, path: String, defaultChunkKeys: [String], flushIntervalOutside: Bool,
        into ctx: inout ConfigBuildContext
    ) throws -> BufferConfig {
        var c = BufferConfig()
        let el = element ?? ConfigElement(name: "buffer", location: parent.location, ancestors: parent.sectionAncestry)
        var r = SectionReader(el, path: path)
        r.raw.ignore("type")
        c.chunkKeys = el.argument.isEmpty ? defaultChunkKeys : el.commaSeparatedArguments
        r.record("chunk_keys", ConfigDisplay.list(c.chunkKeys), isDefault: el.argument.isEmpty, location: el.argument.isEmpty ? nil : el.location)
        for key in c.chunkKeys where !isValidChunkKey(key) {
            throw r.error("chunk_keys specification includes invalid char: '\(key)'")
        }
        c.type = try r.value("@type", .enumeration(BufferType.allCases.map(\.rawValue)), default: .memory, aliases: ["type"]) {
            $0.rawValue
        } map: { BufferType(rawValue: $0)! }
        let isFile = c.type == .file
        if isFile, r.written(["path"]) == nil, let root = ctx.rootDir, let id = parent.id {
            // buf_file with plugin_root_dir: ROOT_DIR/worker0/PLUGIN_ID/buffer (the agent's workers share worker 0's).
            c.path = (root.hasSuffix("/") ? root : root + "/") + "worker0/\(id)/buffer"
            r.record("path", "\"\(c.path!)\"", isDefault: true, note: "from <system> root_dir and @id")
        } else {
            c.path = try r.optionalString("path")
        }
        if isFile && c.path == nil {
            throw r.error("buffer path is not configured. specify 'path' in <buffer> (@type file)")
        }
        if !isFile && c.path != nil {
            throw r.error("'path' is only valid for '@type file' buffers", at: r.written(["path"])?.location)
        }
        if isFile { c.pathSuffix = try r.string("path_suffix", default: ".log") }

        c.timekey = try r.optionalTime("timekey")
        c.timekeyWait = try r.time("timekey_wait", default: 600)
        c.timekeyUseUTC = try r.bool("timekey_use_utc", default: false)
        c.timekeyZone = try r.optionalString("timekey_zone", note: "nil = local offset")
        if c.chunkKeys.contains("time") {
            guard let tk = c.timekey else { throw r.error("<buffer ...> argument includes 'time', but timekey is not configured") }
            guard tk > 0 else { throw r.error("timekey should be greater than 0. current timekey: \(ConfigDisplay.seconds(tk))", at: r.written(["timekey"])?.location) }
        }

        c.chunkLimitSize = try r.size("chunk_limit_size", default: isFile ? 256 * 1024 * 1024 : 8 * 1024 * 1024)
        c.chunkLimitRecords = try r.optionalInteger("chunk_limit_records")
        c.totalLimitSize = try r.size("total_limit_size", default: isFile ? 64 * 1024 * 1024 * 1024 : 512 * 1024 * 1024)
        c.queueLimitLength = try r.optionalInteger("queue_limit_length")
        if let q = c.queueLimitLength {
            r.record("total_limit_size (effective)", ConfigDisplay.size(c.bufferSettings.effectiveTotalLimitSize), isDefault: true,
                     note: "chunk_limit_size × queue_limit_length = \(c.chunkLimitSize) × \(q)")
        }
        c.chunkFullThreshold = try r.float("chunk_full_threshold", default: 0.95)
        c.queuedChunksLimitSize = try r.optionalInteger("queued_chunks_limit_size", note: "nil = flush_thread_count")
        c.compress = try r.value("compress", .enumeration(ctx.profile.forwardCompressValues), default: .text) { $0.rawValue } map: {
            Compression(rawValue: $0)!
        }
        c.disableChunkBackup = try r.bool("disable_chunk_backup", default: false)

        c.flushMode = try r.value("flush_mode", .enumeration(FlushMode.allCases.map(\.rawValue)), default: .default) { $0.rawValue } map: {
            FlushMode(rawValue: $0)!
        }
        let flushIntervalWritten = r.written(["flush_interval"])
        c.flushInterval = try r.time("flush_interval", default: 60)
        if c.flushMode == .default {
            c.effectiveFlushMode = flushIntervalOutside ? .interval : (c.chunkKeys.contains("time") ? .lazy : .interval)
        } else {
            c.effectiveFlushMode = c.flushMode
        }
        r.record("flush_mode (effective)", c.effectiveFlushMode.rawValue, isDefault: true,
                 note: flushIntervalOutside && c.flushMode == .default ? "top-level flush_interval forces interval" : nil)
        if c.effectiveFlushMode != .interval, let p = flushIntervalWritten, !flushIntervalOutside {
            if c.flushMode != .default {
                throw ConfigError("'flush_interval' can't be specified when 'flush_mode' is not 'interval' explicitly: '\(c.effectiveFlushMode.rawValue)' (\(r.context))", at: p.location)
            }
            r.warn("'flush_interval' is ignored because default 'flush_mode' is not 'interval': '\(c.effectiveFlushMode.rawValue)' (\(r.context))", at: p.location)
        }
        c.flushThreadCount = try r.integer("flush_thread_count", default: 1)
        if c.flushThreadCount < 1 { throw r.error("flush_thread_count must be 1 or more", at: r.written(["flush_thread_count"])?.location) }
        c.flushThreadInterval = try r.float("flush_thread_interval", default: 1.0)
        c.flushThreadBurstInterval = try r.float("flush_thread_burst_interval", default: 1.0)
        c.delayedCommitTimeout = try r.time("delayed_commit_timeout", default: 60)
        c.overflowAction = try r.value(
            "overflow_action", .enumeration(["throw_exception", "block", "drop_oldest_chunk"]), default: .throwException
        ) { $0.rawValue } map: { BufferSettings.OverflowAction(rawValue: $0)! }
        c.flushAtShutdown = try r.optionalBool("flush_at_shutdown", note: "nil = true for memory, false for file")
        r.record("flush_at_shutdown (effective)", String(c.effectiveFlushAtShutdown), isDefault: c.flushAtShutdown == nil,
                 location: r.written(["flush_at_shutdown"])?.location)
        if c.flushAtShutdown == false && !isFile, let p = r.written(["flush_at_shutdown"]) {
            r.warn("'flush_at_shutdown' is false and the memory buffer is not persistent: buffered data is lost at shutdown (\(r.context))", at: p.location)
        }

        c.retryType = try r.value("retry_type", .enumeration(["exponential_backoff", "periodic"]), default: .exponentialBackoff) {
            $0.rawValue
        } map: { RetrySettings.Kind(rawValue: $0)! }
        c.retryWait = try r.time("retry_wait", default: 1)
        c.retryExponentialBackoffBase = try r.float("retry_exponential_backoff_base", default: 2)
        c.retryRandomize = try r.bool("retry_randomize", default: true)
        c.retryMaxInterval = try r.optionalTime("retry_max_interval")
        c.retryMaxTimes = try r.optionalInteger("retry_max_times")
        c.retryTimeout = try r.time("retry_timeout", default: 72 * 3600)
        c.retryForever = try r.bool("retry_forever", default: false)
        c.retrySecondaryThreshold = try r.float("retry_secondary_threshold", default: 0.8)
        if !(c.retrySecondaryThreshold > 0 && c.retrySecondaryThreshold <= 1) {
            throw r.error("retry_secondary_threshold should be greater than 0 and less than or equal to 1", at: r.written(["retry_secondary_threshold"])?.location)
        }
        if c.chunkKeys.count >= 4 {
            r.warn("many chunk keys specified, and it may cause too many chunks on your system (\(r.context))")
        }
        try ctx.finish(r)
        return c
    }
}

extension SectionReader {
    /// An enumeration read as text, then mapped to a Swift value (the mapping cannot fail for allowed texts).
    mutating func value<T: Sendable>(
        _ name: String, _ type: ConfigValueType<String>, default d: T, aliases: [String] = [], show: (T) -> String,
        map: @escaping @Sendable (String) -> T
    ) throws -> T {
        let mapped = ConfigValueType<T>(name: type.name) { map(try type.convert($0)) }
        return try value(name, mapped, default: d, aliases: aliases, show: show)
    }
}
