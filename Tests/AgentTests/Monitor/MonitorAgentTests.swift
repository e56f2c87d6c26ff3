import FluentdConfig
import Foundation
import ForwardServer
import Simulator
import Testing

@testable import Agent
import ForwardLabTestSupport

/// `<source> @type monitor_agent`: the record's fields in Fluentd's order, the query options, and the endpoint of a
/// running agent process over a real socket.
@Suite(.serialized) struct MonitorAgentTests {
    /// The keys of an out_forward record in `/api/plugins.json`, in order, as Fluentd 1.16.9 printed them for a
    /// `<match> @type forward` with require_ack_response and a refused destination (captured 2026-12-07 with the
    /// bundled 1.16.9 and `--no-supervisor`).
    static let fluentdOutputKeys = [
        "plugin_id", "plugin_category", "type", "config", "output_plugin", "buffer_queue_length", "buffer_timekeys",
        "buffer_total_queued_size", "retry_count", "emit_records", "emit_size", "emit_count", "write_count",
        "rollback_count", "slow_flush_count", "flush_time_count", "buffer_stage_length", "buffer_stage_byte_size",
        "buffer_queue_byte_size", "buffer_available_buffer_space_ratios", "healthy_nodes_count",
        "registered_nodes_count", "retry",
    ]
    /// The keys of an input's record (in_sample, in_monitor_agent), same capture.
    static let fluentdInputKeys = ["plugin_id", "plugin_category", "type", "config", "output_plugin", "retry_count", "emit_records", "emit_size"]

    static func keys(_ record: Any) -> [String] {
        // JSONSerialization loses the order, so the keys are read from the text.
        guard let text = record as? String else { return [] }
        return text.matches(of: /"([a-z_@]+)":/).map { String($0.1) }
    }

    static func element(_ type: String, _ params: [(String, String)]) -> ConfigElement {
        let at = ConfigLocation(file: "t.conf", line: 1)
        return ConfigElement(name: "source", params: [ConfigParam(name: "@type", value: type, location: at)]
            + params.map { ConfigParam(name: $0.0, value: $0.1, location: at) }, location: at)
    }

    @Test("an output's and an input's record have Fluentd 1.16.9's fields in its order; secrets are masked")
    func fieldsInFluentdsOrder() throws {
        var o = OutputMonitorFigures()
        o.retry = .init(start: 0, steps: 1, nextTime: 2)
        o.bufferTotalLimitSize = 1000
        o.bufferStageByteSize = 250
        let report = MonitorAgentReport(plugins: [
            .init(id: "object:5c8", category: .input, type: "sample", element: Self.element("sample", [("tag", "t")])),
            .init(id: "out", category: .output, type: "forward",
                  element: Self.element("forward", [("shared_key", "s3cret")]), output: o),
        ])
        let json = report.json(.init())
        let records = json.split(separator: "},{\"plugin_id\"").map(String.init)
        #expect(records.count == 2)
        // Nested objects (config, retry) add their own keys; the top-level order is what is compared.
        let top = Self.keys(json).filter { !["@type", "tag", "shared_key", "start", "steps", "next_time"].contains($0) }
        #expect(top == ["plugins"] + Self.fluentdInputKeys + Self.fluentdOutputKeys)
        #expect(json.contains(#""buffer_available_buffer_space_ratios":75.0"#))
        #expect(json.contains(#""shared_key":"xxxxxx""#) && !json.contains("s3cret"))
        #expect(json.contains(#""retry":{"start":"#))
    }

    @Test("with_config=false, with_retry=false, @id and @type select what a record holds and which records")
    func queryOptions() {
        let report = MonitorAgentReport(plugins: [
            .init(id: "in", category: .input, type: "sample", element: Self.element("sample", [])),
            .init(id: "out", category: .output, type: "forward", element: Self.element("forward", []), output: OutputMonitorFigures()),
        ])
        let defaults = MonitorAgentReport.Query()
        let bare = report.json(.parse(uri: "/api/plugins.json?with_config=false&with_retry=false", defaults: defaults))
        #expect(!bare.contains("\"config\"") && !bare.contains("\"retry\""))
        let one = report.json(.parse(uri: "/api/plugins.json?@id=out", defaults: defaults))
        #expect(one.contains("\"plugin_id\":\"out\"") && !one.contains("\"plugin_id\":\"in\""))
        let typed = report.json(.parse(uri: "/api/plugins.json?type=sample", defaults: defaults))
        #expect(typed.contains("\"plugin_id\":\"in\"") && !typed.contains("\"plugin_id\":\"out\""))
        #expect(report.json(.parse(uri: "/api/plugins.json", defaults: defaults)).contains("\"retry\":{}"))
    }

    @Test("monitor_agent's tag (emitting records as events) and unknown parameters are errors with file:line")
    func configErrors() throws {
        func load(_ source: String) throws -> AgentConfiguration {
            try AgentConfiguration.parse(text: """
                <source>
                  @type monitor_agent
                \(source)
                </source>
                <match **>
                  @type forward
                  <server>
                    host 127.0.0.1
                    port 24224
                  </server>
                </match>
                """, file: "m.conf")
        }
        let tagged = #expect(throws: ConfigError.self) { try load("  tag monitor.metrics") }
        #expect(tagged.map { "\($0)" }?.contains("m.conf:3") == true)
        #expect(tagged.map { "\($0)" }?.contains("not supported") == true)
        #expect(throws: ConfigError.self) { try load("  prot 24220") }
        let ok = try load("  port 0\n  include_retry false")
        guard case let .monitorAgent(m)? = ok.sources.first else { Issue.record("not a monitor_agent source"); return }
        #expect(m.port == 0 && !m.includeRetry && m.includeConfig && m.bind == "0.0.0.0")
    }

    @Test("a running agent answers /api/plugins.json with its live figures over a real socket, and 404 elsewhere")
    func endpointOfARunningAgent() async throws {
        let receiver = try await ForwardReceiver.start(ReceiverSettings(name: "r1"), group: ShellTestSupport.group)
        let config = try AgentConfiguration.parse(text: """
            <source>
              @type monitor_agent
              bind 127.0.0.1
              port 0
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
                host 127.0.0.1
                port \(receiver.port)
              </server>
              <buffer>
                flush_interval 0.2s
              </buffer>
            </match>
            """, file: "monitor.conf")
        let process = try await AgentProcess.start(configuration: config, configPath: "monitor.conf", group: ShellTestSupport.group)
        let port = try #require(process.monitors.first?.port)
        var body = ""
        // Bounded: until the output has written at least one chunk, at most 10 s.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let r = try await rawHTTP(port: port, method: "GET", path: "/api/plugins.json")
            #expect(r.status == 200 && r.header("Content-Type") == "application/json")
            body = r.body
            if let w = Int(body.firstMatch(of: /"write_count":(\d+)/)?.1 ?? ""), w >= 1, receiver.ledger.count > 0 { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let emits = Int(body.firstMatch(of: /"emit_count":(\d+)/)?.1 ?? "") ?? -1
        let records = Int(body.firstMatch(of: /"emit_records":(\d+),"emit_size":0,"emit_count"/)?.1 ?? "") ?? -2
        #expect(body.contains(#""plugin_id":"out_fwd","plugin_category":"output","type":"forward""#), "\(body)")
        #expect(emits >= 1 && records == emits, "in_sample emits one record per event stream: \(body)")
        #expect(body.contains(#""healthy_nodes_count":1,"registered_nodes_count":1,"retry":{}"#), "\(body)")
        #expect(body.contains(#""retry_count":0,"emit_records""#), "\(body)")
        #expect(body.components(separatedBy: "\"plugin_category\":\"input\"").count - 1 == 2)
        let missing = try await rawHTTP(port: port, method: "GET", path: "/api/config.json")
        #expect(missing.status == 404)
        await process.stop()
        await process.run()
        await receiver.stop()
    }
}
