import Agent
import FluentdConfig
import ForwardLabTestSupport
import ForwardProtocol
import ForwardServer
import Logging
import NIOCore
import NIOPosix
import Simulator
import Testing

/// `compress zstd` over real loopback sockets under the 1.19 profile: the agent's out_forward into a 1.19 receiver,
/// and the agent's forward input decoding a zstd client (docs/fluentd-model.md, "Release profiles").
@Suite("zstd relay over the wire", .serialized)
struct ZstdRelayWireTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    static func config(port: Int) -> String {
        """
        <system>
          fwdlab_fluentd_version 1.19
        </system>
        <source>
          @type forward
          bind 127.0.0.1
          port 0
        </source>
        <match app.**>
          @type forward
          heartbeat_type none
          compress zstd
          require_ack_response true
          <buffer>
            flush_mode immediate
            flush_thread_burst_interval 0
          </buffer>
          <server>
            name r1
            host 127.0.0.1
            port \(port)
          </server>
        </match>
        """
    }

    static func record(_ seq: Int) -> ByteBuffer {
        MessagePackValue.map([MessagePackPair("seq", .int(Int64(seq))), MessagePackPair("msg", .str(String(repeating: "z", count: seq % 40)))]).encoded
    }

    @Test("agent compress zstd → 1.19 receiver: every event arrives once with its time and record, in zstd requests, all acked")
    func agentToReceiver() async throws {
        var rs = ReceiverSettings(name: "r1")
        rs.adopt(.v1_19)
        rs.ledger.keepRecords = true
        rs.logger.logLevel = .critical
        let receiver = try await ForwardReceiver.start(rs, group: Self.group)
        let config = try AgentConfiguration.parse(text: Self.config(port: receiver.port))
        let settings = try #require(AgentRuntimeSettings(configuration: config))
        #expect(settings.compression == .zstd)
        let agent = try await ForwardingAgent.start(configuration: settings, eventLoopGroup: Self.group)
        let n = 60
        var sent: [Int64: (EventTime, [UInt8])] = [:]
        for i in 0 ..< n {
            let time = EventTime(seconds: UInt32(1_700_000_000 + i), nanoseconds: UInt32(i))
            try agent.emit(tag: "app.zstd", time: time, record: Self.record(i))
            sent[Int64(i)] = (time, Array(Self.record(i).readableBytesView))
        }
        let delivered = await pollUntil(seconds: 10) { receiver.ledger.count >= n }
        await agent.stop(flush: true, drainTimeout: 5)
        await receiver.stop()
        #expect(delivered)
        let events = receiver.ledger.events()
        #expect(events.count == n)
        #expect(Set(events.compactMap(\.seq)) == Set((0 ..< Int64(n))))
        for e in events {
            guard let seq = e.seq, let expected = sent[seq] else { Issue.record("unexpected event \(e)"); continue }
            #expect(e.time == .eventTime(expected.0), "seq \(seq)")
            #expect(e.record == expected.1, "seq \(seq)")
            #expect(e.mode == .compressedPackedForward && e.tag == "app.zstd")
        }
        #expect(receiver.ledger.rejections().isEmpty)
        #expect(receiver.stats.snapshot().acks == receiver.ledger.requestTotal)
    }

    @Test("a zstd client → the agent's 1.19 forward input → out_forward zstd → receiver: the events pass through")
    func forwardInputDecodesZstd() async throws {
        var rs = ReceiverSettings(name: "r1")
        rs.adopt(.v1_19)
        rs.logger.logLevel = .critical
        let receiver = try await ForwardReceiver.start(rs, group: Self.group)
        let config = try AgentConfiguration.parse(text: Self.config(port: receiver.port))
        let settings = try #require(AgentRuntimeSettings(configuration: config))
        guard case let .forward(source) = try #require(config.sources.first) else { Issue.record("no forward source"); return }
        let agent = try await ForwardingAgent.start(configuration: settings, eventLoopGroup: Self.group)
        let input = try await ForwardInput.start(settings: try ForwardInput.settings(for: source, logger: Logger(label: "test")),
                                                 agent: agent, group: Self.group)
        var blob = try ZstdFrames.compress(Wire.entries([1, 2]))
        var second = try ZstdFrames.compress(Wire.entries([3]))
        blob.writeBuffer(&second)
        let client = try ForwardLabTestSupport.RawClient(port: input.port)
        client.send(ForwardEncoder.packedForward(tag: "app.in", entries: blob, size: 3, compression: .zstd, chunk: "in1"))
        #expect(client.readMessage(timeout: 5) == Wire.ack("in1"))
        let delivered = await pollUntil(seconds: 10) { receiver.ledger.count >= 3 }
        await input.stop()
        await agent.stop(flush: true, drainTimeout: 5)
        await receiver.stop()
        #expect(delivered)
        #expect(receiver.ledger.events().compactMap(\.seq).sorted() == [1, 2, 3])
        #expect(receiver.ledger.events().allSatisfy { $0.mode == .compressedPackedForward && $0.tag == "app.in" })
    }
}
