import Foundation
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
        /// Per node: its label (`name`, else host:port), phi (nil while out of the rotation) and availability.
        public var nodes: [(label: String, phi: Double?, available: Bool)]

        public init(pluginID: String, figures: OutputMonitorFigures, nodes: [(label: String, phi: Double?, available: Bool)]) {
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
        for n in sample.nodes {
            let nodeLabels = base + [("node", n.label)]
            gauge("fwdlab_forward_node_available", "1 while the node is in the rotation (ForwardLab extension).", nodeLabels)
                .set(to: n.available ? 1 : 0)
            if let phi = n.phi {
                gauge("fwdlab_forward_node_phi", "The node's phi at the update (ForwardLab extension).", nodeLabels).set(to: phi)
            }
        }
    }

    /// The registry's gauge for `name` and `labels` (the same one at every update).
    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)]) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// The text exposition format.
    public func exposition() -> String { registry.emitToString() }
}
