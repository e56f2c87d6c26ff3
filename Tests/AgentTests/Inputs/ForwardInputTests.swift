import Agent
import FluentdConfig
import ForwardLabTestSupport
import ForwardProtocol
import ForwardServer
import Foundation
import Logging
import NIOCore
import NIOPosix
import Simulator
import Testing

/// `<source> @type forward`: the agent relays what clients send, acking only what its buffer holds.
@Suite("ForwardInput", .serialized)
struct ForwardInputTests {
    static let group = MultiThreadedEventLoopGroup.singleton
    static let logger = Logger(label: "test.forward-input")

    /// An agent with a forward input on an ephemeral port and a forward output to `receivers`.
    struct Relay {
        let agent: ForwardingAgent
        let input: ForwardInput

        static func start(output: String, receivers: [ForwardReceiver], source: String = "") async throws -> Relay {
            try await start(output: output, servers: receivers.map { ($0.name, $0.port) }, source: source)
        }

        /// `servers` may name ports nothing listens on (a node that is down).
        static func start(output: String, servers nodes: [(name: String, port: Int)], source: String = "") async throws -> Relay {
            let servers = nodes.map { n in
                "  <server>\n    name \(n.name)\n    host 127.0.0.1\n    port \(n.port)\n  </server>"
            }.joined(separator: "\n")
            let text = """
            <source>
              @type forward
              bind 127.0.0.1
              port 0
            \(source)
            </source>
            <match app.**>
              @type forward
              heartbeat_type none
            \(output)
            \(servers)
            </match>
            """
            let config = try AgentConfiguration.parse(text: text)
            let settings = try #require(AgentRuntimeSettings(configuration: config))
            guard case let .forward(f) = try #require(config.sources.first) else { throw CancellationError() }
            let agent = try await ForwardingAgent.start(configuration: settings, eventLoopGroup: group)
            let match = try #require(config.matches.first)
            let input = try await ForwardInput.start(settings: try ForwardInput.settings(for: f, logger: ForwardInputTests.logger),
                                                     agent: agent, routes: { match.matches($0) }, group: group)
            return Relay(agent: agent, input: input)
        }

        func stop() async {
            await input.stop()
            await agent.stop(flush: true, drainTimeout: 5)
        }
    }

    static func receiver(_ name: String) async throws -> ForwardReceiver {
        try await ForwardReceiver.start(ReceiverSettings(name: name), group: group)
    }

    @Test("fluent-logger → forward input → agent → two receivers: every event arrives exactly once",
          arguments: [true, false])
    func fluentLoggerRelay(requireAck: Bool) async throws {
        guard let python = PythonFluentLogger.python() else {
            Issue.record("no python3 with the fluent-logger module (tools/setup.sh installs it)")
            return
        }
        let r1 = try await Self.receiver("r1"), r2 = try await Self.receiver("r2")
        let relay = try await Relay.start(output: """
              require_ack_response \(requireAck)
              <buffer>
                flush_mode immediate
                # Back-to-back flushes while chunks are queued: with the default 1 s burst interval Fluentd drains a
                # backlog left after the last emit at one chunk a second (docs/fluentd-model.md).
                flush_thread_burst_interval 0
              </buffer>
            """, receivers: [r1, r2])
        let n = 2000
        let status = try await PythonFluentLogger.send(python: python, port: relay.input.port, tag: "app", count: n)
        #expect(status.exitCode == 0, "\(status.stderr)")
        let delivered = await pollUntil(seconds: 20) { r1.ledger.count + r2.ledger.count >= n }
        await relay.stop()
        await r1.stop(); await r2.stop()
        #expect(delivered)
        var counts: [Int64: Int] = [:]
        for r in [r1, r2] { for (seq, c) in r.ledger.sequenceCounts() { counts[seq, default: 0] += c } }
        #expect((0 ..< Int64(n)).allSatisfy { counts[$0] == 1 }, "missing or duplicated: \((0 ..< Int64(n)).filter { counts[$0] != 1 }.prefix(10))")
        // The balancer spreads chunks over both nodes (equal weights, one chunk per emit).
        #expect(r1.ledger.count > 0 && r2.ledger.count > 0, "r1=\(r1.ledger.count) r2=\(r2.ledger.count)")
        let first = try #require(r1.ledger.events().first ?? r2.ledger.events().first)
        #expect(first.tag == "app.test" && first.mode == .packedForward)
        #expect(relay.input.counters.buffered == n && relay.input.counters.refusedRequests == 0)
    }

    @Test("PackedForward with acks from a load client: acked events are in the buffer, all reach the receiver")
    func packedWithAcks() async throws {
        let r1 = try await Self.receiver("r1")
        let relay = try await Relay.start(output: "  require_ack_response true\n  <buffer>\n    flush_interval 0\n  </buffer>", receivers: [r1])
        var load = ForwardLoadSettings(port: relay.input.port, recordSize: 256, batch: 100, requireAck: true, tag: "app.load",
                                       duration: .seconds(10), maxChunksPerConnection: 30)
        load.drainTimeout = .seconds(10)
        let result = try await ForwardLoadClient.run(load, group: Self.group)
        #expect(result.chunksAcked == 30 && result.eventsAcked == 3000)
        #expect(await pollUntil(seconds: 10) { r1.ledger.count >= 3000 })
        await relay.stop(); await r1.stop()
        #expect(r1.ledger.missingSequences(in: 0 ... 2999).isEmpty)
        #expect(r1.ledger.duplicateSequences().isEmpty)
    }

    @Test("Forward mode is normalised as in_forward does: nil records skipped, time 0 becomes now; source_address_key added")
    func forwardModeNormalisation() async throws {
        let r1 = try await ForwardReceiver.start({
            var s = ReceiverSettings(name: "r1"); s.ledger.keepRecords = true; return s
        }(), group: Self.group)
        let relay = try await Relay.start(output: "  <buffer>\n    flush_interval 0\n  </buffer>", receivers: [r1],
                                          source: "  source_address_key from")
        // ["app.f", [[0, {"seq":1}], [1700000000, nil], [1700000001, {"seq":2}]]]
        var msg = ByteBuffer()
        msg.writeMessagePackArrayHeader(count: 2)
        msg.writeMessagePackString("app.f")
        msg.writeMessagePackArrayHeader(count: 3)
        for (time, seq) in [(Int64(0), Int64?(1)), (1_700_000_000, nil), (1_700_000_001, 2)] {
            msg.writeMessagePackArrayHeader(count: 2)
            msg.writeMessagePackInt(time)
            if let seq {
                msg.writeMessagePackMapHeader(count: 1); msg.writeMessagePackString("seq"); msg.writeMessagePackInt(seq)
            } else {
                msg.writeMessagePackNil()
            }
        }
        let before = Int64(Date().timeIntervalSince1970) - 1
        try await RawClient.send(msg, port: relay.input.port)
        #expect(await pollUntil(seconds: 10) { r1.ledger.count >= 2 })
        await relay.stop(); await r1.stop()
        let events = r1.ledger.events()
        #expect(events.map(\.seq) == [1, 2])
        // in_forward replaces it with Fluent::EventTime.now.
        guard case let .eventTime(t) = events[0].time else { Issue.record("time \(events[0].time)"); return }
        #expect(Int64(t.seconds) >= before, "time 0 must become the receive time")
        #expect(events[1].time == .integer(1_700_000_001))
        let record = try MessagePackValue.decode(ByteBuffer(bytes: try #require(events[0].record)))
        #expect(record["from"]?.stringValue == "127.0.0.1")
    }

    @Test("overflow_action throw_exception: a full buffer refuses the request, closes without ack; nothing is lost")
    func backPressure() async throws {
        // No receiver listens: everything stays buffered until the 8 KB total limit is reached.
        let dead = try await Self.receiver("dead")
        let port = dead.port
        await dead.stop()
        let relay = try await Relay.start(output: """
              connect_timeout 1
              <buffer>
                chunk_limit_size 4k
                total_limit_size 8k
                flush_interval 60
              </buffer>
            """, servers: [("dead", port)])
        let input = relay.input
        var load = ForwardLoadSettings(port: input.port, recordSize: 1024, batch: 3, requireAck: true, tag: "app.bp",
                                       duration: .seconds(5), maxChunksPerConnection: 10)
        load.drainTimeout = .seconds(2)
        let result = try? await ForwardLoadClient.run(load, group: Self.group)
        let counters = input.counters
        await input.stop()
        await relay.agent.stop(flush: false, drainTimeout: 1)
        #expect(counters.refusedRequests >= 1, "\(counters)")
        // Every acked event was buffered; the refused request was not acked.
        #expect((result?.eventsAcked ?? 0) <= counters.buffered)
        #expect(counters.buffered <= 8 * 1024 / 1024 + 3)
    }

    @Test("overflow_action block: the connection stops being read while full and its request is acked once buffered")
    func block() async throws {
        let r1 = try await Self.receiver("r1")
        let port = r1.port
        await r1.stop()
        let relay = try await Relay.start(output: """
              require_ack_response true
              <buffer>
                chunk_limit_size 4k
                total_limit_size 8k
                overflow_action block
                flush_interval 0
                retry_wait 0.2
                retry_max_interval 0.5
              </buffer>
            """, servers: [("r1", port)])
        let input = relay.input
        // Fill the buffer while the receiver is down; the client's later chunks wait unacked.
        var load = ForwardLoadSettings(port: input.port, recordSize: 1024, batch: 3, requireAck: true, tag: "app.block",
                                       duration: .seconds(20), maxChunksPerConnection: 12)
        load.drainTimeout = .seconds(20)
        async let loadResult = ForwardLoadClient.run(load, group: Self.group)
        #expect(await pollUntil(seconds: 5) { input.stats.snapshot().requests >= 2 })
        try await Task.sleep(for: .milliseconds(500))
        let whileDown = input.counters
        #expect(whileDown.buffered < 36 && whileDown.refusedRequests == 0, "\(whileDown)")
        // The receiver comes back on the same port: the buffer drains and the blocked requests go through.
        var rs = ReceiverSettings(name: "r1", port: port)
        rs.bind = "127.0.0.1"
        let back = try await ForwardReceiver.start(rs, group: Self.group)
        let result = try await loadResult
        #expect(result.chunksAcked == 12, "\(result)")
        #expect(await pollUntil(seconds: 10) { back.ledger.count >= 36 })
        await relay.stop()
        await back.stop()
        #expect(back.ledger.missingSequences(in: 0 ... 35).isEmpty)
        #expect(input.counters.refusedRequests == 0)
    }
}

/// Writes raw bytes to a port and closes (no ack expected).
enum RawClient {
    static func send(_ bytes: ByteBuffer, port: Int) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(bytes)
        try await channel.close()
    }
}
