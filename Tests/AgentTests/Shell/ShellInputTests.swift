import Agent
import ForwardProtocol
import Foundation
import NIOCore
import Testing
import ForwardLabTestSupport

/// The sample input feeding a running agent.
@Suite("ShellInput", .serialized)
struct ShellInputTests {
    let group = ShellTestSupport.group

    @Test("sample input: rate emits/s of size events with auto_increment_key reach the receiver in order")
    func sample() async throws {
        let server = try await FakeForwardServer.start(group: group)
        var s = ShellTestSupport.settings(ports: [server.port])
        s.buffer.flushInterval = 0
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        var settings = SampleInput.Settings(tag: "sample")
        settings.rate = 20
        settings.size = 2
        settings.autoIncrementKey = "a"
        let input = SampleInput(settings: settings, sink: agent, loop: group.next())
        input.start()
        #expect(await pollUntil(seconds: 5) { server.seqs.count >= 20 })
        input.stop()
        let seqs = server.seqs
        #expect(Array(seqs.prefix(20)) == Array(0..<20))
        #expect(server.requests.allSatisfy { $0.tag == "sample" })
        await agent.stop(flush: nil)
        await server.stop()
    }
}

/// The config layer's typed settings drive the runtime.
@Suite("ShellConfig", .serialized)
struct ShellConfigTests {
    let group = ShellTestSupport.group

    @Test("a parsed <match @type forward> runs: acks, heartbeat none, memory buffer")
    func fromConfiguration() async throws {
        let server = try await FakeForwardServer.start(group: group)
        let text = """
        <match test.**>
          @type forward
          require_ack_response true
          heartbeat_type none
          <server>
            name a
            host 127.0.0.1
            port \(server.port)
          </server>
          <buffer>
            flush_interval 0
          </buffer>
        </match>
        """
        let config = try AgentConfiguration.parse(text: text)
        let s = try #require(AgentRuntimeSettings(configuration: config))
        #expect(s.forwarder.requireAckResponse && s.forwarder.heartbeatType == .none && s.nodes.count == 1)
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        try agent.emit(tag: "test.a", time: ShellTestSupport.time, record: ShellTestSupport.record(7))
        #expect(await pollUntil(seconds: 5) { server.seqs == [7] })
        #expect(server.requests.first?.chunk?.count == 25)
        await agent.stop(flush: nil)
        await server.stop()
    }
}
