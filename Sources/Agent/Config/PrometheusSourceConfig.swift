import FluentdConfig

/// `<source> @type prometheus` (fluent-plugin-prometheus): the HTTP endpoint Prometheus scrapes.
public struct PrometheusSourceConfig: Sendable, Equatable {
    public var bind = "0.0.0.0"
    public var port = 24231
    public var metricsPath = "/metrics"
    public var element: ConfigElement

    public init(element: ConfigElement) { self.element = element }

    static func parse(_ element: ConfigElement, path: String, into ctx: inout ConfigBuildContext) throws -> PrometheusSourceConfig {
        var c = PrometheusSourceConfig(element: element)
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        (c.bind, c.port) = try r.listenAddress(defaultPort: 24231)
        c.metricsPath = try r.string("metrics_path", default: "/metrics")
        if !c.metricsPath.hasPrefix("/") { throw r.error("metrics_path must start with '/'", at: r.written(["metrics_path"])?.location) }
        // One worker, so the aggregated endpoint (every worker's metrics) would be the same page.
        _ = try r.string("aggregated_metrics_path", default: "/aggregated_metrics")
        try ctx.finish(r)
        return c
    }
}

/// `<source> @type prometheus_output_monitor` (fluent-plugin-prometheus): every `interval` the outputs' monitor_agent
/// figures become `fluentd_output_status_*` gauges.
public struct PrometheusOutputMonitorConfig: Sendable, Equatable {
    public var interval: Double = 5
    /// `<labels>` added to every series (`${hostname}` and `${worker_id}` expanded).
    public var labels: [(String, String)] = []
    public var element: ConfigElement

    public init(element: ConfigElement) { self.element = element }

    public static func == (a: Self, b: Self) -> Bool {
        a.interval == b.interval && a.element == b.element && a.labels.elementsEqual(b.labels) { $0 == $1 }
    }

    static func parse(_ element: ConfigElement, path: String, hostname: String,
                      into ctx: inout ConfigBuildContext) throws -> PrometheusOutputMonitorConfig {
        var c = PrometheusOutputMonitorConfig(element: element)
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        c.interval = try r.time("interval", default: 5)
        if c.interval <= 0 { throw r.error("interval must be positive", at: r.written(["interval"])?.location) }
        if let labels = try r.raw.section("labels") {
            for p in labels.params {
                if p.value.hasPrefix("$.") || p.value.hasPrefix("$[") {
                    throw ConfigError("record accessor syntax is not available in prometheus_output_monitor (label \(p.name))", at: p.location)
                }
                let value = p.value.replacingOccurrences(of: "${hostname}", with: hostname)
                    .replacingOccurrences(of: "${worker_id}", with: "0")
                c.labels.append((p.name, value))
            }
        }
        try ctx.finish(r, sections: false)
        return c
    }
}
