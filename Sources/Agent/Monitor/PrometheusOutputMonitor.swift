import Foundation
import NIOConcurrencyHelpers
import Prometheus

/// `prometheus_output_monitor`: the outputs' monitor_agent figures as fluent-plugin-prometheus' gauges
/// (`fluentd_output_status_*`, labels `plugin_id` and `type` plus the source's `<labels>`), updated every
/// `interval` as the plugin's timer does, so a scrape shows the last update, not the live value; plus the
/// ForwardLab extension `fwdlab_forward_node_*` per node (docs/agent-parameters.md, "Monitoring with Prometheus").
public final class PrometheusOutputMonitor: Sendable {
    /// One output's figures and its nodes' state at an update.
    public struct Sample: Sendable {
        public var pluginID: String
        public var figures: OutputMonitorFigures
        /// Per node: its label, phi, availability, state and latencies.
        public var nodes: [NodeMonitorFigures]

        public init(pluginID: String, figures: OutputMonitorFigures, nodes: [NodeMonitorFigures]) {
            self.pluginID = pluginID
            self.figures = figures
            self.nodes = nodes
        }
    }

    /// The series names fluent-plugin-prometheus gives the monitor_agent figures (in_prometheus_output_monitor.rb),
    /// with how each is read from a sample.
    static let outputSeries: [(name: String, help: String, value: @Sendable (OutputMonitorFigures) -> Double)] = [
        ("fluentd_output_status_buffer_queue_length", "Current buffer queue length.", { Double($0.bufferQueueLength) }),
        ("fluentd_output_status_buffer_total_bytes", "Current total size of queued buffers.", { Double($0.bufferTotalQueuedSize) }),
        ("fluentd_output_status_retry_count", "Current retry counts.", { Double($0.retryCount) }),
        ("fluentd_output_status_num_errors", "Current number of errors.", { Double($0.retryCount) }),
        ("fluentd_output_status_emit_count", "Current emit counts.", { Double($0.emitCount) }),
        ("fluentd_output_status_emit_records", "Current emit records.", { Double($0.emitRecords) }),
        ("fluentd_output_status_write_count", "Current write counts.", { Double($0.writeCount) }),
        ("fluentd_output_status_rollback_count", "Current rollback counts.", { Double($0.rollbackCount) }),
        ("fluentd_output_status_flush_time_count", "Total flush time.", { Double($0.flushTimeCount) }),
        ("fluentd_output_status_slow_flush_count", "Current slow flush counts.", { Double($0.slowFlushCount) }),
    ]

    public let registry = PrometheusCollectorRegistry()
    private let labels: [(String, String)]
    /// The histograms of the last update, by family then series, in first-seen order (the registry's histograms
    /// only record observations; these are the core's cumulative figures, set as a whole at each update).
    private let histograms = NIOLockedValueBox(HistogramFamilies())
    /// The node gauges the last update set (the next one unregisters those it does not set again).
    private let nodeGauges = NIOLockedValueBox<[Gauge]>([])

    /// The ForwardLab histogram families, in exposition order.
    static let heartbeatRTTName = "fwdlab_forward_node_heartbeat_rtt_seconds"
    static let ackLatencyName = "fwdlab_forward_node_ack_latency_seconds"
    static let histogramHelp = [
        heartbeatRTTName: "Heartbeat round trips: transport connect to established (TLS and handshake done), UDP request to reply (ForwardLab extension).",
        ackLatencyName: "Chunk written to its ack read, for acked chunks (ForwardLab extension).",
    ]

    public init(labels: [(String, String)] = []) {
        self.labels = labels
    }

    /// Sets every series from `sample` (one update of the plugin's timer).
    public func update(_ sample: Sample) {
        let base = labels + [("plugin_id", sample.pluginID), ("type", "forward")]
        for s in Self.outputSeries {
            gauge(s.name, s.help, base).set(to: s.value(sample.figures))
        }
        // retry_wait: next_time - start while a retry runs; left as it was otherwise, as the plugin does.
        if let retry = sample.figures.retry {
            gauge("fluentd_output_status_retry_wait", "Current retry wait", base).set(to: retry.nextTime - retry.start)
        }
        // The node series are this update's only: a series the update does not set (phi of a node out of the
        // rotation, a node service discovery took out) leaves the exposition.
        var families = HistogramFamilies()
        var set: [Gauge] = []
        func nodeGauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            let g = gauge(name, help, labels)
            g.set(to: value)
            set.append(g)
        }
        for n in sample.nodes {
            let nodeLabels = base + [("node", n.label)]
            nodeGauge("fwdlab_forward_node_available", "1 while the node is in the rotation (ForwardLab extension).", nodeLabels,
                      n.available ? 1 : 0)
            if let phi = n.phi {
                nodeGauge("fwdlab_forward_node_phi", "The node's phi at the update (ForwardLab extension).", nodeLabels, phi)
            }
            if let state = n.state {
                // One series per state, 1 for the current one (the Prometheus idiom for an enumeration).
                for s in Self.states {
                    nodeGauge("fwdlab_forward_node_state", "1 for the node's current state, 0 for the others (ForwardLab extension).",
                              nodeLabels + [("state", s.rawValue)], s == state ? 1 : 0)
                }
            }
            if n.measuresHeartbeats {
                if let rtt = n.latency.lastHeartbeatRTT {
                    nodeGauge("fwdlab_forward_node_heartbeat_last_rtt_seconds",
                              "The latest heartbeat round trip (ForwardLab extension).", nodeLabels, rtt)
                }
                families.set(Self.heartbeatRTTName, labels: nodeLabels, n.latency.heartbeatRTT)
            }
            if n.measuresAcks {
                families.set(Self.ackLatencyName, labels: nodeLabels, n.latency.ackLatency)
            }
        }
        let kept = Set(set.map(ObjectIdentifier.init))
        let previous = nodeGauges.withLockedValue { old in
            defer { old = set }
            return old
        }
        for g in previous where !kept.contains(ObjectIdentifier(g)) { registry.unregisterGauge(g) }
        histograms.withLockedValue { $0 = families }
    }

    /// NodeState's values, in the exposition's order.
    static let states: [NodeState] = [.available, .detached, .recovering]

    /// The registry's gauge for `name` and `labels` (the same one at every update).
    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)]) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// The text exposition format: the registry's gauges, then the histograms of the last update.
    public func exposition() -> String {
        let families = histograms.withLockedValue { $0 }
        var text = registry.emitToString()
        for name in families.order {
            guard let series = families.series[name], !series.isEmpty else { continue }
            text += "# HELP \(name) \(Self.histogramHelp[name] ?? "")\n# TYPE \(name) histogram\n"
            for (labels, h) in series {
                for b in h.cumulative {
                    text += "\(name)_bucket{\(Self.render(labels + [("le", Self.number(b.le))]))} \(b.count)\n"
                }
                text += "\(name)_sum{\(Self.render(labels))} \(Self.number(h.sum))\n"
                text += "\(name)_count{\(Self.render(labels))} \(h.count)\n"
            }
        }
        return text
    }

    /// A label set in the text format (values escaped as the format requires).
    static func render(_ labels: [(String, String)]) -> String {
        labels.map { k, v in
            let escaped = v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(k)=\"\(escaped)\""
        }.joined(separator: ",")
    }

    /// A number as the text format writes it: `+Inf`, integers without a fraction.
    static func number(_ v: Double) -> String {
        if v == .infinity { return "+Inf" }
        if v == -.infinity { return "-Inf" }
        if v.isNaN { return "NaN" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// Histogram series by family, each family's series in first-seen order.
    struct HistogramFamilies: Sendable {
        var order: [String] = []
        var series: [String: [(labels: [(String, String)], histogram: LatencyHistogram)]] = [:]

        mutating func set(_ name: String, labels: [(String, String)], _ h: LatencyHistogram) {
            if series[name] == nil { order.append(name) }
            var list = series[name] ?? []
            if let i = list.firstIndex(where: { $0.labels.elementsEqual(labels, by: { $0 == $1 }) }) {
                list[i].histogram = h
            } else {
                list.append((labels, h))
            }
            series[name] = list
        }
    }
}
