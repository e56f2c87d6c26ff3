import FluentdConfig

/// `<source> @type monitor_agent` (in_monitor_agent): an HTTP endpoint that reports every plugin's metrics.
public struct MonitorAgentSourceConfig: Sendable, Equatable {
    public var bind = "0.0.0.0"
    public var port = 24220
    /// Whether `config` is part of each plugin's record, and `retry` of an output's (both on unless the query says).
    public var includeConfig = true
    public var includeRetry = true
    /// The `<source>` itself, for its own `config` record.
    public var element: ConfigElement

    public init(element: ConfigElement) { self.element = element }

    static func parse(_ element: ConfigElement, path: String, into ctx: inout ConfigBuildContext) throws -> MonitorAgentSourceConfig {
        var c = MonitorAgentSourceConfig(element: element)
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        (c.bind, c.port) = try r.listenAddress(defaultPort: 24220)
        // With a tag Fluentd also emits every plugin's record as an event each emit_interval; the agent serves the
        // HTTP endpoint only, and says so instead of silently dropping the events.
        if let tag = try r.optionalString("tag") {
            throw r.error("monitor_agent's 'tag' (emitting the metrics as events, tag \(tag)) is not supported by the ForwardLab agent: "
                          + "remove it to serve the HTTP endpoint, or run this configuration on real Fluentd (--agent fluentd)",
                          at: r.written(["tag"])?.location)
        }
        _ = try r.time("emit_interval", default: 60)
        c.includeConfig = try r.bool("include_config", default: true)
        c.includeRetry = try r.bool("include_retry", default: true)
        try ctx.finish(r)
        return c
    }
}
