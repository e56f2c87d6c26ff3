import FluentdConfig
import Foundation

/// The body of monitor_agent's `/api/plugins.json` from the plugins' figures: the fields, their order and their
/// query options as Fluentd 1.16.9 renders them (lib/fluent/plugin/in_monitor_agent.rb `get_monitor_info`;
/// docs/agent-parameters.md, "`<source> @type monitor_agent`"). A plain value: no I/O.
public struct MonitorAgentReport: Sendable {
    /// One plugin as monitor_agent lists it.
    public struct Plugin: Sendable {
        public enum Category: String, Sendable { case input, output }
        /// `@id`, else an `object:` name that is stable for the process's lifetime.
        public var id: String
        public var category: Category
        public var type: String
        /// The plugin's own section: its parameters are the `config` record (sub-sections are not listed).
        public var element: ConfigElement
        /// The output's figures; nil for an input.
        public var output: OutputMonitorFigures?

        public init(id: String, category: Category, type: String, element: ConfigElement, output: OutputMonitorFigures? = nil) {
            self.id = id
            self.category = category
            self.type = type
            self.element = element
            self.output = output
        }
    }

    /// What a request asks for (its query string), with the source's defaults.
    public struct Query: Sendable, Equatable {
        public var withConfig: Bool
        public var withRetry: Bool
        public var id: String?
        public var type: String?
        public var pretty = false

        public init(withConfig: Bool = true, withRetry: Bool = true) {
            self.withConfig = withConfig
            self.withRetry = withRetry
        }

        /// Reads `with_config`, `with_retry`, `@id`, `@type`/`type` and `pretty_json` from a URI's query.
        public static func parse(uri: String, defaults: Query) -> Query {
            var q = defaults
            guard let mark = uri.firstIndex(of: "?") else { return q }
            for pair in uri[uri.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                let key = parts[0], value = parts.count > 1 ? parts[1] : ""
                switch key {
                case "with_config": q.withConfig = value == "true"
                case "with_retry": q.withRetry = value == "true"
                case "@id": q.id = value
                case "@type", "type": q.type = value
                case "pretty_json": q.pretty = true
                default: break
                }
            }
            return q
        }
    }

    public var plugins: [Plugin]

    public init(plugins: [Plugin]) { self.plugins = plugins }

    /// The JSON body for `query`.
    public func json(_ query: Query) -> String {
        let selected = plugins.filter { p in
            (query.id == nil || p.id == query.id) && (query.type == nil || p.type == query.type)
        }
        let body = ConfigJSON.object([(key: "plugins", value: .array(selected.map { record($0, query) }))])
        return query.pretty ? Self.pretty(body) : body.description
    }

    func record(_ p: Plugin, _ query: Query) -> ConfigJSON {
        var r: [(key: String, value: ConfigJSON)] = [
            ("plugin_id", .string(p.id)), ("plugin_category", .string(p.category.rawValue)), ("type", .string(p.type)),
        ]
        if query.withConfig {
            r.append(("config", .object(p.element.params.map {
                (key: $0.name, value: .string(AgentConfiguration.secretParameterNames.contains($0.name) ? "xxxxxx" : $0.value))
            })))
        }
        r.append(("output_plugin", .bool(p.category == .output)))
        guard let o = p.output else {
            // Inputs: Fluentd counts their emits only with enable_input_metrics, off by default.
            r += [("retry_count", .null), ("emit_records", .number("0")), ("emit_size", .number("0"))]
            return .object(r)
        }
        func n(_ v: Int) -> ConfigJSON { .number(String(v)) }
        r += [
            ("buffer_queue_length", n(o.bufferQueueLength)), ("buffer_timekeys", .array([])),
            ("buffer_total_queued_size", n(o.bufferTotalQueuedSize)), ("retry_count", n(o.retryCount)),
            ("emit_records", n(o.emitRecords)), ("emit_size", n(0)), ("emit_count", n(o.emitCount)),
            ("write_count", n(o.writeCount)), ("rollback_count", n(o.rollbackCount)),
            ("slow_flush_count", n(o.slowFlushCount)), ("flush_time_count", n(o.flushTimeCount)),
            ("buffer_stage_length", n(o.bufferStageLength)), ("buffer_stage_byte_size", n(o.bufferStageByteSize)),
            ("buffer_queue_byte_size", n(o.bufferQueueByteSize)),
            ("buffer_available_buffer_space_ratios", .number(String(format: "%.1f", o.availableBufferSpaceRatio))),
            ("healthy_nodes_count", n(o.healthyNodes)), ("registered_nodes_count", n(o.registeredNodes)),
        ]
        if query.withRetry {
            if let retry = o.retry {
                r.append(("retry", .object([("start", .string(Self.time(retry.start))), ("steps", n(retry.steps)),
                                           ("next_time", .string(Self.time(retry.nextTime)))])))
            } else {
                r.append(("retry", .object([])))
            }
        }
        return .object(r)
    }

    /// Ruby's `Time#to_s` in UTC offset form, as Fluentd's JSON shows the retry times (`2026-12-07 11:31:51 +0000`).
    static func time(_ seconds: Double) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone.current
        f.dateFormat = "yyyy-MM-dd HH:mm:ss Z"
        return f.string(from: Date(timeIntervalSince1970: seconds.rounded(.down)))
    }

    /// Indented JSON, for `?pretty_json`.
    static func pretty(_ v: ConfigJSON, indent: String = "") -> String {
        let inner = indent + "  "
        switch v {
        case .array(let a) where !a.isEmpty:
            return "[\n" + a.map { inner + pretty($0, indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let o) where !o.isEmpty:
            return "{\n" + o.map { inner + ConfigJSON.string($0.key).description + ": " + pretty($0.value, indent: inner) }
                .joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return v.description
        }
    }
}
