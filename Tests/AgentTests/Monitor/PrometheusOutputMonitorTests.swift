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
    /// The first sample of `series`: a bare name (any labels) or a name with its full label set.
    static func value(_ text: String, _ series: String) -> Double? {
        let prefix = series.hasSuffix("}") ? series + " " : series + "{"
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
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

    @Test("node state, last round trip and the two histograms: exported per node only where measured, in the text format")
    func latencySeries() {
        let m = PrometheusOutputMonitor()
        let clock = VirtualClock()
        var core = ForwarderCore(settings: ForwarderSettings(), nodes: [ForwarderNodeConfig(name: "r1", host: "h")], clock: clock)
        _ = core.handle(.heartbeatSent(node: 0))
        clock.advance(by: 0.002)
        _ = core.handle(.heartbeatReplied(node: 0))
        let id = ChunkID(high: 1, low: 2)
        _ = core.handle(.ackRegistered(chunkID: id, node: 0, connection: 1))
        clock.advance(by: 0.03)
        _ = core.handle(.ackReceived(connection: 1, reply: .map(ack: id.ackValue)))
        m.update(.init(pluginID: "out", figures: OutputMonitorFigures(), nodes: [
            .init(label: "r1", phi: 0.1, available: true, state: .available, latency: core.latency[0],
                  measuresHeartbeats: true, measuresAcks: true),
            .init(label: "r\"2", phi: nil, available: false, state: .recovering),
        ]))
        let text = m.exposition()
        let r1 = #"plugin_id="out",type="forward",node="r1""#
        for line in [
            "fwdlab_forward_node_state{\(r1),state=\"available\"} 1", "fwdlab_forward_node_state{\(r1),state=\"detached\"} 0",
            "fwdlab_forward_node_state{\(r1),state=\"recovering\"} 0",
            #"fwdlab_forward_node_state{plugin_id="out",type="forward",node="r\"2",state="recovering"} 1"#,
            "# TYPE fwdlab_forward_node_heartbeat_rtt_seconds histogram",
            "fwdlab_forward_node_heartbeat_rtt_seconds_bucket{\(r1),le=\"0.001\"} 0",
            "fwdlab_forward_node_heartbeat_rtt_seconds_bucket{\(r1),le=\"0.0025\"} 1",
            "fwdlab_forward_node_heartbeat_rtt_seconds_bucket{\(r1),le=\"+Inf\"} 1",
            "fwdlab_forward_node_heartbeat_rtt_seconds_count{\(r1)} 1",
            "# TYPE fwdlab_forward_node_ack_latency_seconds histogram",
            "fwdlab_forward_node_ack_latency_seconds_bucket{\(r1),le=\"0.025\"} 0",
            "fwdlab_forward_node_ack_latency_seconds_bucket{\(r1),le=\"0.05\"} 1",
            "fwdlab_forward_node_ack_latency_seconds_bucket{\(r1),le=\"190\"} 1",
            "fwdlab_forward_node_ack_latency_seconds_count{\(r1)} 1",
        ] {
            #expect(text.contains(line + "\n") || text.contains(line + ".0\n"), "\(line) in:\n\(text)")
        }
        #expect(Self.value(text, "fwdlab_forward_node_ack_latency_seconds_sum").map { abs($0 - 0.03) < 1e-9 } == true)
        #expect(Self.value(text, "fwdlab_forward_node_heartbeat_last_rtt_seconds{\(r1)}").map { abs($0 - 0.002) < 1e-9 } == true)
        // r"2 measures nothing: no round trip or histogram series, one TYPE line per family.
        #expect(!text.contains(#"rtt_seconds_count{plugin_id="out",type="forward",node="r\"2"}"#))
        #expect(text.components(separatedBy: "# TYPE fwdlab_forward_node_ack_latency_seconds ").count == 2)
        // The next update replaces the histogram, it does not add a second series.
        m.update(.init(pluginID: "out", figures: OutputMonitorFigures(), nodes: [
            .init(label: "r1", phi: 0.1, available: true, state: .detached, latency: NodeLatency(), measuresHeartbeats: true, measuresAcks: true),
        ]))
        let again = m.exposition()
        #expect(again.contains("fwdlab_forward_node_ack_latency_seconds_count{\(r1)} 0\n"), "\(again)")
        #expect(again.components(separatedBy: "fwdlab_forward_node_ack_latency_seconds_count{").count == 2)
        #expect(again.contains("fwdlab_forward_node_state{\(r1),state=\"detached\"} 1"))
    }

    @Test("a node series the next update does not set leaves the exposition: phi out of the rotation, a node taken out")
    func vanishedSeries() {
        let m = PrometheusOutputMonitor()
        m.update(.init(pluginID: "out", figures: OutputMonitorFigures(), nodes: [
            .init(label: "r1", phi: 0.5, available: true, state: .available, measuresHeartbeats: true, measuresAcks: true),
            .init(label: "r2", phi: 0.7, available: true, state: .available, measuresHeartbeats: true, measuresAcks: true),
        ]))
        let before = m.exposition()
        #expect(before.contains(#"fwdlab_forward_node_phi{plugin_id="out",type="forward",node="r1"}"#))
        #expect(before.contains(#"fwdlab_forward_node_ack_latency_seconds_count{plugin_id="out",type="forward",node="r2"} 0"#), "\(before)")
        // r1 detached (no phi), r2 taken out by service discovery.
        m.update(.init(pluginID: "out", figures: OutputMonitorFigures(), nodes: [
            .init(label: "r1", phi: nil, available: false, state: .detached, measuresHeartbeats: true, measuresAcks: true),
        ]))
        let after = m.exposition()
        #expect(!after.contains("fwdlab_forward_node_phi"), "\(after)")
        #expect(!after.contains(#"node="r2""#), "\(after)")
        #expect(after.contains(#"fwdlab_forward_node_available{plugin_id="out",type="forward",node="r1"} 0"#))
        #expect(after.contains(#"fwdlab_forward_node_state{plugin_id="out",type="forward",node="r1",state="detached"} 1"#))
        #expect(after.contains(#"fwdlab_forward_node_ack_latency_seconds_count{plugin_id="out",type="forward",node="r1"} 0"#))
        #expect(after.contains("fluentd_output_status_emit_count"), "the output's series stay")
    }

    @Test("a real relay with acks and heartbeats: /metrics shows each ack's latency (count = chunks acked) and the heartbeat round trips")
    func scrapeLatenciesOfARelay() async throws {
        let receiver = try await ForwardReceiver.start(ReceiverSettings(name: "r1", bind: "127.0.0.1", port: 0), group: ShellTestSupport.group)
        let config = try AgentConfiguration.parse(text: """
            <source>
              @type prometheus
              bind 127.0.0.1
              port 0
            </source>
            <source>
              @type prometheus_output_monitor
              interval 0.1
            </source>
            <match t.**>
              @type forward
              @id out_fwd
              require_ack_response true
              ack_response_timeout 1
              heartbeat_interval 0.1
              <server>
                name r1
                host 127.0.0.1
                port \(receiver.port)
              </server>
              <buffer>
                flush_interval 60s
                chunk_limit_records 1
                flush_thread_interval 0.05
                flush_thread_burst_interval 0.05
                delayed_commit_timeout 1
                flush_at_shutdown false
              </buffer>
            </match>
            """, file: "prom-acks.conf")
        let process = try await AgentProcess.start(configuration: config, configPath: "prom-acks.conf", group: ShellTestSupport.group)
        let port = try #require(process.metricsServers.first?.port)
        let chunks = 4
        // One record per chunk, so each emit queues a chunk for the flush thread. delayed_commit_timeout equal to
        // ack_response_timeout stays 1 s, so the ack reader's passes (as Fluentd's: an ack is read when the pass
        // watching its connection ends) last 1/3 s.
        for i in 0..<chunks {
            try process.agent.emit(tag: "t.a", time: ShellTestSupport.time, record: ShellTestSupport.record(i))
        }
        let ackCount = #"fwdlab_forward_node_ack_latency_seconds_count{plugin_id="out_fwd",type="forward",node="r1"}"#
        var text = ""
        // Bounded: until an update shows every chunk acked and a round trip, at most 5 s (about 0.5 s normally).
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            text = try await rawHTTP(port: port, method: "GET", path: "/metrics").body
            if Self.value(text, ackCount) == Double(chunks),
               (Self.value(text, "fwdlab_forward_node_heartbeat_rtt_seconds_count") ?? 0) >= 1 { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let committed = await process.agent.counters().chunksCommitted
        await process.stop()
        await process.run()
        let acked = receiver.stats.snapshot().acks
        await receiver.stop()
        #expect(committed == chunks && acked == chunks, "agent committed \(committed), receiver acked \(acked)")
        #expect(Self.value(text, ackCount) == Double(committed), "\(text)")
        let sum = try #require(Self.value(text, "fwdlab_forward_node_ack_latency_seconds_sum"))
        #expect(sum > 0 && sum / Double(chunks) < 1, "mean ack latency \(sum / Double(chunks)) s")
        #expect(Self.value(text, #"fwdlab_forward_node_ack_latency_seconds_bucket{plugin_id="out_fwd",type="forward",node="r1",le="1"}"#)
                == Double(chunks), "every ack within ack_response_timeout")
        let rtt = try #require(Self.value(text, "fwdlab_forward_node_heartbeat_last_rtt_seconds"), "\(text)")
        #expect(rtt > 0 && rtt < 1, "loopback connect \(rtt) s")
        #expect((Self.value(text, "fwdlab_forward_node_heartbeat_rtt_seconds_count") ?? 0) >= 1)
        #expect(text.contains(#"fwdlab_forward_node_state{plugin_id="out_fwd",type="forward",node="r1",state="available"} 1"#), "\(text)")
    }

    @Test("UDP heartbeats on loopback: a round trip from the request datagram to the receiver's reply")
    func scrapeUDPRoundTrips() async throws {
        let receiver = try await ForwardReceiver.start(ReceiverSettings(name: "r1", bind: "127.0.0.1", port: 0), group: ShellTestSupport.group)
        let config = try AgentConfiguration.parse(text: """
            <source>
              @type prometheus
              bind 127.0.0.1
              port 0
            </source>
            <source>
              @type prometheus_output_monitor
              interval 0.1
            </source>
            <match t.**>
              @type forward
              heartbeat_type udp
              heartbeat_interval 0.1
              <server>
                name r1
                host 127.0.0.1
                port \(receiver.port)
              </server>
            </match>
            """, file: "prom-udp.conf")
        let process = try await AgentProcess.start(configuration: config, configPath: "prom-udp.conf", group: ShellTestSupport.group)
        let port = try #require(process.metricsServers.first?.port)
        var text = ""
        // Bounded: until an update shows two round trips, at most 5 s (about 0.3 s normally).
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            text = try await rawHTTP(port: port, method: "GET", path: "/metrics").body
            if (Self.value(text, "fwdlab_forward_node_heartbeat_rtt_seconds_count") ?? 0) >= 2 { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        await process.stop()
        await process.run()
        let answered = receiver.stats.snapshot().heartbeats
        await receiver.stop()
        let count = try #require(Self.value(text, "fwdlab_forward_node_heartbeat_rtt_seconds_count"), "\(text)")
        #expect(count >= 2 && count <= Double(answered), "\(count) round trips, \(answered) replies sent")
        let rtt = try #require(Self.value(text, "fwdlab_forward_node_heartbeat_last_rtt_seconds"))
        #expect(rtt > 0 && rtt < 1, "loopback UDP round trip \(rtt) s")
        #expect(!text.contains("fwdlab_forward_node_ack_latency_seconds"), "no acks, no ack latency series")
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
                flush_thread_interval 0.05
                flush_at_shutdown false
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
