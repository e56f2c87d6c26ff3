import ForwardLabTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import Scenarios

/// The Prometheus endpoints through the real binaries: `fwdlab receiver --metrics HOST:PORT` serves the simulator's
/// `fwdlab_receiver_*` series for its one receiver, and `fwdlab agent` on fixtures/configs/monitoring.conf serves
/// the named series while it relays into such a receiver (scraped as `curl localhost:PORT/metrics` would).
@Suite(.serialized) struct MetricsCommandTests {
    @Test("fwdlab receiver --metrics: /metrics counts the acked chunk; other paths 404; a bad address is refused")
    func receiverServesMetrics() throws {
        let port = try PortAllocator.freeTCPPort()
        var metricsPort = try PortAllocator.freeTCPPort()
        while metricsPort == port { metricsPort = try PortAllocator.freeTCPPort() }
        let p = try CommandLineTests.start(["receiver", "--port", String(port), "--bind", "127.0.0.1", "--name", "r1",
                                            "--metrics", "127.0.0.1:\(metricsPort)"])
        defer { _ = CommandLineTests.stop(p) }
        #expect(pollUntilBlocking(seconds: 10) { PortAllocator.accepts(port: port) && PortAllocator.accepts(port: metricsPort) })
        let client = try RawClient(port: port)
        client.send(Wire.packed(seqs: [1, 2]))
        #expect(client.readMessage(timeout: 5) == Wire.ack(Wire.chunkID))
        let (status, body) = Self.get(metricsPort, "/metrics")
        #expect(status.hasPrefix("HTTP/1.1 200") && status.contains("text/plain; version=0.0.4"), "\(status)")
        for line in [#"fwdlab_receiver_up{receiver="r1"} 1.0"#, #"fwdlab_receiver_events{receiver="r1"} 2.0"#,
                     #"fwdlab_receiver_requests{receiver="r1"} 1.0"#, #"fwdlab_receiver_acks{receiver="r1"} 1.0"#,
                     #"fwdlab_receiver_ledger_events{receiver="r1"} 2.0"#, #"fwdlab_receiver_connections_open{receiver="r1"} 1.0"#] {
            #expect(body.contains(line), "\(line) in:\n\(body)")
        }
        #expect(!body.contains("fwdlab_fault_actions"), "a standalone receiver has no faults")
        #expect(Self.get(metricsPort, "/other").head.hasPrefix("HTTP/1.1 404"))
        #expect(CommandLineTests.stop(p))

        let bad = try CommandLineTests.run(["receiver", "--port", "0", "--metrics", "localhost"], seconds: 10)
        #expect(bad.status != 0 && bad.err.contains("--metrics must be HOST:PORT, got 'localhost'"), "\(bad.err)")
    }

    @Test("fwdlab agent on the monitoring fixture: /metrics during the relay shows the output's and every fwdlab_forward_node_* series")
    func agentOnTheMonitoringFixture() throws {
        var ports: [Int] = []
        while ports.count < 4 {
            let p = try PortAllocator.freeTCPPort()
            if !ports.contains(p) { ports.append(p) }
        }
        let (r1, receiverMetrics, monitor, metrics) = (ports[0], ports[1], ports[2], ports[3])
        let receiver = try CommandLineTests.start(["receiver", "--port", String(r1), "--bind", "127.0.0.1", "--name", "receiver1",
                                                   "--metrics", "127.0.0.1:\(receiverMetrics)"])
        defer { _ = CommandLineTests.stop(receiver) }
        #expect(pollUntilBlocking(seconds: 10) { PortAllocator.accepts(port: r1) })
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: CommandLineTests.fwdlab)
        agent.arguments = ["agent", "-c", "fixtures/configs/monitoring.conf", "-q"]
        agent.currentDirectoryURL = URL(fileURLWithPath: ScenarioTestSupport.root)
        agent.environment = ProcessInfo.processInfo.environment.merging(
            ["R1_PORT": String(r1), "MONITOR_PORT": String(monitor), "METRICS_PORT": String(metrics)]) { $1 }
        agent.standardOutput = FileHandle.nullDevice
        agent.standardError = FileHandle.nullDevice
        try agent.run()
        // Killed, not stopped: its graceful stop (the ack reader's last pass) is not under test here.
        defer {
            kill(agent.processIdentifier, SIGKILL)
            agent.waitUntilExit()
        }
        #expect(pollUntilBlocking(seconds: 10) { PortAllocator.accepts(port: metrics) })
        // The exporter's first update comes one interval (1 s) after start; bounded at 10 s.
        var text = ""
        _ = pollUntilBlocking(seconds: 10, everyMicroseconds: 100_000) {
            text = Self.get(metrics, "/metrics").body
            return text.contains("fwdlab_forward_node_heartbeat_rtt_seconds_count{")
        }
        let node = #"plugin_id="out_forward",type="forward",node="receiver1""#
        for series in ["fluentd_output_status_emit_count{plugin_id=\"out_forward\",type=\"forward\"} ",
                       "fluentd_output_status_buffer_queue_length{", "fluentd_output_status_retry_count{",
                       "fwdlab_forward_node_available{\(node)} 1", "fwdlab_forward_node_phi{\(node)} ",
                       "fwdlab_forward_node_state{\(node),state=\"available\"} 1", "fwdlab_forward_node_state{\(node),state=\"detached\"} 0",
                       "# TYPE fwdlab_forward_node_heartbeat_rtt_seconds histogram",
                       "fwdlab_forward_node_heartbeat_rtt_seconds_bucket{\(node),le=\"+Inf\"} ",
                       "fwdlab_forward_node_heartbeat_rtt_seconds_count{\(node)} ",
                       "# TYPE fwdlab_forward_node_ack_latency_seconds histogram",
                       "fwdlab_forward_node_ack_latency_seconds_sum{\(node)} ", "fwdlab_forward_node_ack_latency_seconds_count{\(node)} "] {
            #expect(text.contains(series), "\(series) in:\n\(text)")
        }
        // The receiver's own endpoint, scraped during the same run.
        #expect(Self.get(receiverMetrics, "/metrics").body.contains(#"fwdlab_receiver_up{receiver="receiver1"} 1.0"#))
    }

    /// One GET over a fresh connection: the status line and headers, and the body.
    static func get(_ port: Int, _ path: String) -> (head: String, body: String) {
        guard let c = try? RawClient(port: port) else { return ("", "") }
        c.send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        let text = String(decoding: c.read(count: 1 << 20, timeout: 3), as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return (text, "") }
        return (String(text[..<split.lowerBound]), String(text[split.upperBound...]))
    }
}
