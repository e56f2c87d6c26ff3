import FluentdConfig
import ForwardProtocol

/// The `<system>` section: Fluentd's process-wide settings the agent honours, plus ForwardLab extensions.
public struct SystemConfig: Sendable, Equatable {
    /// Fluentd's log levels (system_config.rb); `trace` is the most verbose.
    public enum LogLevel: String, Sendable, Equatable, CaseIterable {
        case trace, debug, info, warn, error, fatal
    }

    public var logLevel: LogLevel = .info
    /// `suppress_repeated_stacktrace`: checked, but the agent prints no stack traces to suppress.
    public var suppressRepeatedStacktrace: Bool? = nil
    /// `ignore_repeated_log_interval` (seconds): see `LogRateLimiter`.
    public var ignoreRepeatedLogInterval: Double? = nil
    /// `ignore_same_log_interval` (seconds): see `LogRateLimiter`.
    public var ignoreSameLogInterval: Double? = nil
    /// `<log> format`.
    public var logFormat: FluentdLogFormat.Style = .text
    /// `<log> time_format`.
    public var logTimeFormat: String = FluentdLogFormat.defaultTimeFormat
    /// `rpc_endpoint HOST:PORT` (docs/forward-protocol.md, "RPC endpoint"); nil disables the HTTP RPC server.
    public var rpcEndpoint: HostPort? = nil
    /// `enable_get_dump`: serve `/api/config.getDump`.
    public var enableGetDump = false
    /// `workers`: the agent runs every worker's pipeline in its one process (docs/pipeline.md, "Workers").
    public var workers = 1
    /// ForwardLab extension `dns_resolver HOST[:PORT]`: the nameserver for DNS queries (nil → system resolver).
    public var dnsResolver: HostPort? = nil
    /// ForwardLab extension `fwdlab_rpc_detailed_errors` (quirk 31 in docs/quirks.md, better behaviour): errors answer
    /// `{"ok":false,"message":...}` instead of Fluentd's `{"ok":true}` with status 500.
    public var rpcDetailedErrors = false
    /// ForwardLab extension `fwdlab_rpc_strict_routes` (quirk 32 better behaviour): exact paths only, and
    /// state-changing actions only via POST.
    public var rpcStrictRoutes = false
    /// ForwardLab extension `fwdlab_fluentd_version 1.16|1.18|1.19`: the release whose behaviour the agent reproduces
    /// where releases differ (docs/fluentd-model.md, "Release profiles").
    public var fluentdVersion: FluentdReleaseProfile = .default
    /// `root_dir`: where a file `<buffer>` without `path` goes for a plugin with `@id` (docs/pipeline.md, "Workers").
    public var rootDir: String? = nil

    public init() {}

    /// Fluentd `<system>` parameters accepted for compatibility that have no effect in this agent.
    static let ignoredParameters: [String] = [
        "restart_worker_interval", "emit_error_log_interval", "suppress_config_dump", "log_event_verbose",
        "without_source", "process_name", "strict_config_value", "enable_msgpack_time_support",
        "disable_shared_socket", "enable_input_metrics", "enable_size_metrics", "enable_jit", "file_permission",
        "dir_permission",
    ]
    static let ignoredSections: [String] = ["counter_server", "counter_client", "source_only_buffer", "metrics"]

    static func parse(_ element: ConfigElement?, root: ConfigElement, into ctx: inout ConfigBuildContext) throws -> SystemConfig {
        var config = SystemConfig()
        // Without a <system> section the defaults are still listed for --dry-run.
        let element = element ?? ConfigElement(name: "system", location: root.location)
        var r = SectionReader(element, path: "<system>")
        config.logLevel = try r.value("log_level", ConfigValueType(name: "enum") { text in
            guard let l = LogLevel(rawValue: text) else {
                throw ConfigError("valid options are \(LogLevel.allCases.map(\.rawValue).joined(separator: ",")) but got '\(text)'", at: nil)
            }
            return l
        }, default: .info, aliases: ["@log_level"]) { $0.rawValue }

        config.suppressRepeatedStacktrace = try r.optionalBool("suppress_repeated_stacktrace")
        for name in ["ignore_repeated_log_interval", "ignore_same_log_interval"] {
            let interval = try r.optionalTime(name)
            if let interval, interval < 0 {
                throw r.error("\(name) must not be negative (got \(interval))", at: r.written([name])?.location)
            }
            if name == "ignore_repeated_log_interval" { config.ignoreRepeatedLogInterval = interval } else { config.ignoreSameLogInterval = interval }
        }
        // Without a <log> section its defaults are still listed for --dry-run.
        try parseLog(try r.raw.section("log") ?? ConfigElement(name: "log", location: element.location), into: &config, ctx: &ctx)

        if let raw = try r.optionalString("rpc_endpoint") {
            guard let endpoint = HostPort.parse(raw) else {
                throw ConfigError("Invalid rpc_endpoint: \(raw)", at: r.written(["rpc_endpoint"])?.location)
            }
            config.rpcEndpoint = endpoint
        }
        config.enableGetDump = try r.bool("enable_get_dump", default: false)
        config.workers = try r.integer("workers", default: 1)
        if config.workers < 1 {
            throw r.error("workers must be 1 or more (got \(config.workers))", at: r.written(["workers"])?.location)
        }
        if let raw = try r.optionalString("dns_resolver", note: "ForwardLab extension") {
            guard let endpoint = HostPort.parse(raw, defaultPort: 53) else {
                throw r.error("invalid dns_resolver '\(raw)': expected HOST or HOST:PORT (IPv6 as [addr]:port)", at: r.written(["dns_resolver"])?.location)
            }
            config.dnsResolver = endpoint
        }
        config.rpcDetailedErrors = try r.bool("fwdlab_rpc_detailed_errors", default: false, note: "ForwardLab extension")
        config.rpcStrictRoutes = try r.bool("fwdlab_rpc_strict_routes", default: false, note: "ForwardLab extension")
        config.fluentdVersion = try r.value("fwdlab_fluentd_version", ConfigValueType(name: "enum") { text in
            guard let p = FluentdReleaseProfile(name: text) else { throw ConfigError(FluentdReleaseProfile.invalidNameMessage(text), at: nil) }
            return p
        }, default: .default, note: "ForwardLab extension (release profile)") { $0.rawValue }
        ctx.profile = config.fluentdVersion
        config.rootDir = try r.optionalString("root_dir")
        ctx.rootDir = config.rootDir
        for name in ignoredParameters { r.acceptIgnored(name, why: "not applicable to the single-process agent") }
        for s in ignoredSections {
            for child in try r.raw.sections(s) {
                r.warn("<\(s)> is accepted for compatibility but has no effect (\(r.context))", at: child.location)
            }
        }
        try ctx.finish(r)
        return config
    }

    /// `<system><log>`: `format text|json` and `time_format`; rotation is Fluentd's and accepted without effect.
    private static func parseLog(_ element: ConfigElement, into config: inout SystemConfig, ctx: inout ConfigBuildContext) throws {
        var r = SectionReader(element, path: "<system> <log>")
        let style = try r.enumeration("format", allowed: FluentdLogFormat.Style.allCases.map(\.rawValue), default: "text")
        config.logFormat = FluentdLogFormat.Style(rawValue: style) ?? .text
        config.logTimeFormat = try r.string("time_format", default: FluentdLogFormat.defaultTimeFormat)
        if let bad = FluentdTimeFormat.unsupportedDirective(in: config.logTimeFormat) {
            throw r.error("time_format '\(config.logTimeFormat)': unsupported directive \(bad) (the directives the agent knows are listed in docs/agent-parameters.md, \"<system>\")",
                          at: r.written(["time_format"])?.location)
        }
        for name in ["rotate_age", "rotate_size"] {
            r.acceptIgnored(name, why: "the agent does not rotate its log file")
        }
        try ctx.finish(r)
    }
}
