import FluentdConfig
import Foundation

/// One `<source>`, by `@type`.
public enum SourceConfig: Sendable, Equatable {
    case forward(ForwardSourceConfig)
    case sample(SampleSourceConfig)
    case monitorAgent(MonitorAgentSourceConfig)
    case prometheus(PrometheusSourceConfig)
    case prometheusOutputMonitor(PrometheusOutputMonitorConfig)
    case tail(TailSourceConfig)

    /// Input `@type` names the agent implements (`dummy` is in_sample's old name).
    public static let supportedTypes = ["forward", "sample", "dummy", "monitor_agent", "prometheus", "prometheus_output_monitor", "tail"]

    /// `@label` routing of the source (nil → top-level `<match>` sections).
    public var label: String? {
        switch self {
        case .forward(let f): f.label
        case .sample(let s): s.label
        case .tail(let t): t.label
        case .monitorAgent, .prometheus, .prometheusOutputMonitor: nil
        }
    }

    /// Where the `<source>` starts.
    public var location: ConfigLocation {
        switch self {
        case .forward(let f): f.element.location
        case .sample(let s): s.location
        case .monitorAgent(let m): m.element.location
        case .prometheus(let p): p.element.location
        case .prometheusOutputMonitor(let p): p.element.location
        case .tail(let t): t.element.location
        }
    }

    static func parse(_ element: ConfigElement, index: Int, into ctx: inout ConfigBuildContext) throws -> SourceConfig {
        let path = "<source>[\(index)]"
        switch element.type {
        case nil, "":
            throw ConfigError("Missing '@type' parameter on <source> directive", at: element.location)
        case "forward":
            return .forward(try ForwardSourceConfig.parse(element, path: path, into: &ctx))
        case "sample", "dummy":
            return .sample(try SampleSourceConfig.parse(element, path: path, into: &ctx))
        case "monitor_agent":
            return .monitorAgent(try MonitorAgentSourceConfig.parse(element, path: path, into: &ctx))
        case "prometheus":
            return .prometheus(try PrometheusSourceConfig.parse(element, path: path, into: &ctx))
        case "prometheus_output_monitor":
            return .prometheusOutputMonitor(try PrometheusOutputMonitorConfig.parse(
                element, path: path, hostname: ProcessInfo.processInfo.hostName, into: &ctx))
        case "tail":
            return .tail(try TailSourceConfig.parse(element, path: path, into: &ctx))
        case let other?:
            let p = element.param("@type") ?? element.param("type")
            throw ConfigError(
                "unknown input plugin type '\(other)' in <source> (the ForwardLab agent supports: forward, sample, monitor_agent, prometheus, prometheus_output_monitor, tail); run this configuration on real Fluentd (fwdlab run --agent fluentd)", at: p?.location ?? element.location)
        }
    }
}
