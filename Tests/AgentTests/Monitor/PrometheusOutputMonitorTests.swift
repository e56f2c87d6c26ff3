import FluentdConfig
import ForwardServer
import Foundation
import Simulator
import Testing

@testable import Agent
import ForwardLabTestSupport

/// `<source> @type prometheus` + `prometheus_output_monitor`: fluent-plugin-prometheus' series from the output's
/// monitor_agent figures, and a scrape of a running agent.
@Suite(.serialized) struct PrometheusOutputMonitorTests {
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + "{") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }

    @Test("every fluentd_output_status series carries the output's figure, with plugin_id, type and the source's labels")
    func seriesFromFigures() {
        let m = PrometheusOutputMonitor(labels: [("host", "h1")])
        var f = OutputMonitorFigures()
        f.bufferQueueLength = 3; f.bufferStageByteSize = 100; f.bufferQueueByteSize = 50; f.retryCount = 4
        f.emitCount = 7; f.emitRecords = 70; f.writeCount = 5; f.rollbackCount = 2; f.flushTimeCount = 12; f.slowFlushCount = 1
        m.update(.init(pluginID: "out", figures: f, nodes: [.init(label: "r1", phi: 0.5, available: true), .init(label: "r2", phi: nil, available: false)]))
        let text = m.exposition()
        let expected: [(String, Double)] = [
            ("fluentd_output_status_buffer_queue_length", 3), ("fluentd_output_status_buffer_total_bytes", 150),
            ("fluentd_output_status_retry_count", 4), ("fluentd_output_status_num_errors", 4),
            ("fluentd_output_status_emit_count", 7), ("fluentd_output_status_emit_records", 70),
            ("fluentd_output_status_write_count", 5), ("fluentd_output_status_rollback_count", 2),
            ("fluentd_output_status_flush_time_count", 12), ("fluentd_output_status_slow_flush_count", 1),
        ]
        for (series, v) in expected { #expect(Self.value(text, series) == v, "\(series) in:\n\(text)") }
        #expect(text.contains(#"fluentd_output_status_write_count{host="h1",plugin_id="out",type="forward"} 5"#))
        #expect(Self.value(text, "fluentd_output_status_retry_wait") == nil, "no retry running, no retry_wait yet")
        #expect(text.contains(#"fwdlab_forward_node_available{host="h1",plugin_id="out",type="forward",node="r2"} 0"#))
        #expect(text.contains(#"fwdlab_forward_node_phi{host="h1",plugin_id="out",type="forward",node="r1"} 0.5"#))
        #expect(!text.contains(#"node="r2"} 0.5"#) && !text.contains("fwdlab_forward_node_phi{host=\"h1\",plugin_id=\"out\",type=\"forward\",node=\"r2\"}"))
        f.retry = .init(start: 100, steps: 2, nextTime: 104.5)
        m.update(.init(pluginID: "out", figures: f, nodes: []))
        #expect(Self.value(m.exposition(), "fluentd_output_status_retry_wait") == 4.5)
    }

    @Test("prometheus_output_monitor's interval must be positive, its labels plain strings; unknown parameters are errors")
    func configErrors() throws {
        func load(_ body: String) throws -> AgentConfiguration {
            try AgentConfiguration.parse(text: """
                <source>
                  @type prometheus_output_monitor
                \(body)
                </source>
                <match **>
                  @type forward
                  <server>
                    host 127.0.0.1
                    port 24224
                  </server>
                </match>
                """, file: "p.conf")
        }
        #expect(throws: ConfigError.self) { try load("  interval 0") }
        #expect(throws: ConfigError.self) { try load("  intervall 5") }
        #expect(throws: ConfigError.self) { try load("  <labels>\n    tag $.tag\n  </labels>") }
        let ok = try load("  interval 2\n  <labels>\n    host ${hostname}\n    w ${worker_id}\n  </labels>")
        guard case let .prometheusOutputMonitor(p)? = ok.sources.first else { Issue.record("not parsed"); return }
        #expect(p.interval == 2 && p.labels.map(\.0) == ["host", "w"] && p.labels[1].1 == "0" && !p.labels[0].1.contains("$"))
    }

    @Test("a scrape of a running agent's /metrics shows the named series with live values")
    func scrapeARunningAgent() async throws {
        let receiver = try await ForwardReceiver.start(ReceiverSettings(name: "r1"), group: ShellTestSupport.group)
        let config = try AgentConfiguration.parse(text: """
            <source>
              @type prometheus
              bind 127.0.0.1
              port 0
            </source>
            <source>
              @type prometheus_output_monitor
              interval 0.2
            </source>
            <source>
              @type sample
              tag t.a
              rate 20
            </source>
            <match t.**>
              @type forward
              @id out_fwd
              <server>
                name r1
                host 127.0.0.1
                port \(receiver.port)
              </server>
              <buffer>
                flush_interval 0.2s
              </buffer>
            </match>
            """, file: "prom.conf")
        let process = try await AgentProcess.start(configuration: config, configPath: "prom.conf", group: ShellTestSupport.group)
        let port = try #require(process.metricsServers.first?.port)
        var text = ""
        // Bounded: until a scrape shows a chunk written, at most 10 s.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let r = try await rawHTTP(port: port, method: "GET", path: "/metrics")
            #expect(r.status == 200)
            text = r.body
            if (Self.value(text, "fluentd_output_status_write_count") ?? 0) >= 1 { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect((Self.value(text, "fluentd_output_status_write_count") ?? 0) >= 1, "\(text)")
        #expect((Self.value(text, "fluentd_output_status_emit_count") ?? 0) >= 1)
        #expect(Self.value(text, "fluentd_output_status_num_errors") == 0)
        #expect(text.contains(#"fwdlab_forward_node_available{plugin_id="out_fwd",type="forward",node="r1"} 1"#), "\(text)")
        #expect(try await rawHTTP(port: port, method: "GET", path: "/other").status == 404)
        await process.stop()
        await process.run()
        await receiver.stop()
    }
}
