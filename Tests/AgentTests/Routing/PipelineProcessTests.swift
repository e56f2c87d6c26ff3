import Agent
import FluentdConfig
import ForwardLabTestSupport
import ForwardProtocol
import ForwardServer
import Foundation
import NIOCore
import Simulator
import Testing

/// fixtures/configs/pipeline.conf run as `fwdlab agent` runs it (AgentProcess), against a real receiver on loopback:
/// two workers' sample inputs, a label, grep and record_transformer, copy with relabel, monitor_agent.
@Suite("Pipeline in a running agent")
struct PipelineProcessTests {
    @Test func workersLabelsFiltersAndCopyReachTheReceiver() async throws {
        var settings = ReceiverSettings(name: "r1")
        settings.ledger = LedgerSettings(storeEvents: true, keepRecords: true)
        let receiver = try await ForwardReceiver.start(settings, group: ShellTestSupport.group)
        let config = try AgentConfiguration.load(
            path: "\(repositoryRoot)/fixtures/configs/pipeline.conf",
            options: ConfigParseOptions(environment: ["R1_PORT": "\(receiver.port)", "MONITOR_PORT": "0"]))
        #expect(config.unrunnableReason() == nil)
        let process = try await AgentProcess.start(configuration: config, configPath: "pipeline.conf", group: ShellTestSupport.group)
        // Bounded: at most 1.5 s for 6 events (two sample inputs at 40/s, half of them dropped by grep).
        let arrived = await pollUntil(seconds: 1.5, every: .milliseconds(20)) { receiver.ledger.count >= 6 }
        await process.stop()
        await process.run()
        await receiver.stop()
        #expect(arrived, "\(receiver.ledger.count) events")
        let events = receiver.ledger.events()
        #expect(events.allSatisfy { $0.tag == "app.web" })
        let records = events.compactMap { $0.record.flatMap { try? MessagePackValue.decode(ByteBuffer(bytes: $0)) } }
        #expect(records.count == events.count)
        // grep dropped every debug record; record_transformer added the tag's second part.
        #expect(records.allSatisfy { $0["level"] == "info" && $0["service"] == "web" }, "\(records.prefix(3))")
        #expect(process.monitors.count == 1)
    }

    /// A receiver's configuration (Fluentd's example/in_forward.conf shape: forward input, no forward output) runs:
    /// a request is routed through the filter to null and acked; a stop ends `run()`.
    @Test func aConfigurationWithoutAForwardOutputRuns() async throws {
        let config = try AgentConfiguration.parse(text: """
            <source>
              @type forward
              bind 127.0.0.1
              port 0
            </source>
            <filter test>
              @type grep
              <regexp>
                key seq
                pattern /^[0-4]$/
              </regexp>
            </filter>
            <match test>
              @type null
            </match>
            """, file: "receiver.conf")
        #expect(config.unrunnableReason() == nil)
        let process = try await AgentProcess.start(configuration: config, configPath: "receiver.conf", group: ShellTestSupport.group)
        #expect(!process.hasForwardOutput)
        let port = try #require(process.forwardInputs.first?.port)
        let client = try ForwardLabTestSupport.RawClient(port: port)
        client.send(Wire.packed(seqs: Array(0..<10)))
        let ack = client.read(count: Wire.ack(Wire.chunkID).count, timeout: 2)
        client.close()
        #expect(ack == Wire.ack(Wire.chunkID))
        #expect(process.forwardInputs.first?.counters.buffered == 10)
        await process.stop()
        await process.run()
    }

    /// Several forward outputs in one process (Fluentd's example/out_forward_client.conf shape): each its own
    /// ForwardingAgent, events routed by tag, and a copy with two forward stores feeding both receivers.
    @Test func severalForwardOutputs() async throws {
        let r1 = try await ForwardReceiver.start(ReceiverSettings(name: "r1"), group: ShellTestSupport.group)
        let r2 = try await ForwardReceiver.start(ReceiverSettings(name: "r2"), group: ShellTestSupport.group)
        func forward(_ port: Int) -> String {
            "    @type forward\n    <server>\n      host 127.0.0.1\n      port \(port)\n    </server>\n    <buffer>\n      flush_interval 0.1\n      flush_thread_interval 0.1\n    </buffer>"
        }
        let config = try AgentConfiguration.parse(text: """
            <source>
              @type sample
              tag one
              rate 50
            </source>
            <source>
              @type sample
              tag both
              rate 50
            </source>
            <match one>
            \(forward(r1.port))
            </match>
            <match both>
              @type copy
              <store>
            \(forward(r1.port))
              </store>
              <store>
            \(forward(r2.port))
              </store>
            </match>
            """, file: "two.conf")
        #expect(config.forwardOutputSites.count == 3 && config.unrunnableReason() == nil)
        let process = try await AgentProcess.start(configuration: config, configPath: "two.conf", group: ShellTestSupport.group)
        // Bounded: at most 1.5 s until r1 has both tags and r2 "both".
        let arrived = await pollUntil(seconds: 1.5, every: .milliseconds(20)) {
            Set(r1.ledger.events().map(\.tag)) == ["one", "both"] && !r2.ledger.events().isEmpty
        }
        await process.stop()
        await process.run()
        await r1.stop()
        await r2.stop()
        #expect(arrived)
        #expect(r2.ledger.events().allSatisfy { $0.tag == "both" })
    }
}
