import Agent
import ForwardProtocol
import Foundation
import NIOCore
import Testing
import ForwardLabTestSupport

/// Wire behaviour over real sockets on 127.0.0.1: docs/forward-protocol.md, "Sending a chunk", "Chunk id", "Ack outcomes",
/// "Carrier modes", "Node selection", "Keepalive and the socket cache".
@Suite("ShellWire", .serialized)
struct ShellWireTests {
    let group = ShellTestSupport.group

    private func start(_ s: AgentRuntimeSettings, logs: ShellLogCapture = ShellLogCapture(),
                       events: EventRecorder = EventRecorder()) async throws -> ForwardingAgent {
        try await ForwardingAgent.start(configuration: s, eventLoopGroup: group, logger: logs.logger,
                                        eventSink: { r in events.append(r) })
    }

    @Test("Packed forward bytes are out_forward's (ack off: 2-key option)")
    func packedForwardBytes() async throws {
        let server = try await FakeForwardServer.start(group: group)
        let agent = try await start(ShellTestSupport.settings(ports: [server.port]))
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(2))
        await agent.flush(timeout: 5)
        #expect(await pollUntil(seconds: 5) { server.requests.count == 1 })
        let expected: [UInt8] = [0x93, 0xa4, 0x74, 0x65, 0x73, 0x74, 0xdb, 0, 0, 0, 0x1e,
                                 0x92, 0xd7, 0, 0x4d, 0x20, 0x7a, 0x27, 0, 0, 0, 0, 0x81, 0xa1, 0x61, 0x01,
                                 0x92, 0xd7, 0, 0x4d, 0x20, 0x7a, 0x27, 0, 0, 0, 0, 0x81, 0xa1, 0x61, 0x02,
                                 0x82, 0xa4, 0x73, 0x69, 0x7a, 0x65, 0x02,
                                 0xaa, 0x63, 0x6f, 0x6d, 0x70, 0x72, 0x65, 0x73, 0x73, 0x65, 0x64, 0xa4, 0x74, 0x65, 0x78, 0x74]
        #expect(server.requests.first?.raw == expected)
        await agent.stop(flush: nil)
        await server.stop()
    }

    @Test("time_as_integer sends integer seconds")
    func integerTime() async throws {
        let server = try await FakeForwardServer.start(group: group)
        var s = ShellTestSupport.settings(ports: [server.port])
        s.timeAsInteger = true
        let agent = try await start(s)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 5)
        #expect(await pollUntil(seconds: 5) { server.requests.count == 1 })
        #expect(Array(server.requests.first?.entries.readableBytesView ?? ByteBuffer().readableBytesView) == [0x92, 0xce, 0x4d, 0x20, 0x7a, 0x27, 0x81, 0xa1, 0x61, 0x01])
        await agent.stop(flush: nil)
        await server.stop()
    }

    @Test("Ack round trip: 25-char chunk value ending in newline, committed on the exact ack")
    func ackRoundTrip() async throws {
        let server = try await FakeForwardServer.start(group: group)
        let events = EventRecorder()
        let agent = try await start(ShellTestSupport.settings(ports: [server.port], ack: true), events: events)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 5)
        #expect(await pollUntil(seconds: 5) { events.count("chunk_committed") == 1 })
        let chunk = try #require(server.requests.first?.chunk)
        #expect(chunk.count == 25 && chunk.hasSuffix("\n"))
        #expect(Array(server.requests[0].raw.suffix(32)) == [0xa5] + Array("chunk".utf8) + [0xb9] + Array(chunk.utf8))
        #expect(agent.buffer.isEmpty)
        await agent.stop(flush: nil)
        await server.stop()
    }

    @Test("Ack timeout: warning, rollback without retry step, node disabled, delayed_commit_timeout 3")
    func ackTimeout() async throws {
        let server = try await FakeForwardServer.start(group: group, options: .init(ack: .never))
        let logs = ShellLogCapture()
        let events = EventRecorder()
        var s = ShellTestSupport.settings(ports: [server.port], heartbeat: .transport, ack: true)
        s.forwarder.heartbeatInterval = 10
        s.forwarder.ackResponseTimeout = 1
        // The rolled-back chunk goes out again at the flush thread's next wake-up, to a disabled node ("failed to
        // flush": NoNodesAvailable). A long idle interval keeps that resend outside this test.
        s.flushThreadInterval = 30
        #expect(s.forwarder.effectiveDelayedCommitTimeout == 3)
        let agent = try await start(s, logs: logs, events: events)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 0.5)
        #expect(await pollUntil(seconds: 4) { logs.contains("no response from node. regard it as unavailable.") })
        // The event stream is consumed by another task: wait for it to catch up with the log.
        #expect(await pollUntil(seconds: 2) {
            events.contains { $0.event == .chunkRolledBack && $0.cause == "ack_failed" }
        })
        #expect(events.contains { $0.event == .ackFailed && $0.cause == "ack_timeout" })
        #expect(events.contains { $0.event == .disabled && $0.cause == "ack_timeout" })
        #expect(!logs.contains("failed to flush the buffer."))
        #expect(await !agent.isNodeAvailable(0))
        await agent.stop(flush: false)
        await server.stop()
    }

    @Test("Peer closes before ack: 'destination node closed the connection'")
    func peerClosed() async throws {
        let server = try await FakeForwardServer.start(group: group, options: .init(ack: .closeBeforeAck))
        let logs = ShellLogCapture()
        let events = EventRecorder()
        var s = ShellTestSupport.settings(ports: [server.port], heartbeat: .transport, ack: true)
        s.forwarder.heartbeatInterval = 10
        let agent = try await start(s, logs: logs, events: events)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 0.5)
        #expect(await pollUntil(seconds: 3) { logs.contains("destination node closed the connection. regard it as unavailable.") })
        #expect(events.contains { $0.event == .disabled && $0.cause == "peer_closed_before_ack" })
        await agent.stop(flush: false)
        await server.stop()
    }

    @Test("Wrong ack: rolled back and resent with the same chunk id, node stays available")
    func wrongAck() async throws {
        let server = try await FakeForwardServer.start(group: group, options: .init(ack: .wrong))
        let logs = ShellLogCapture()
        var s = ShellTestSupport.settings(ports: [server.port], heartbeat: .transport, ack: true)
        s.forwarder.heartbeatInterval = 10
        let agent = try await start(s, logs: logs)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 0.2)
        #expect(await pollUntil(seconds: 3) { server.requests.count >= 2 })
        #expect(logs.contains("ack in response and chunk id in sent data are different"))
        #expect(server.requests[0].chunk == server.requests[1].chunk)
        #expect(await agent.isNodeAvailable(0))
        await agent.stop(flush: false)
        await server.stop()
    }

    @Test("quirk 17 (docs/quirks.md) outcome: a fragmented ack is an error; the delayed-commit timeout recovers the chunk")
    func fragmentedAck() async throws {
        let server = try await FakeForwardServer.start(group: group, options: .init(ack: .fragmented))
        let logs = ShellLogCapture()
        let events = EventRecorder()
        var s = ShellTestSupport.settings(ports: [server.port], ack: true)
        s.forwarder.ackResponseTimeout = 1
        let agent = try await start(s, logs: logs, events: events)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 0.2)
        #expect(await pollUntil(seconds: 3) { events.contains { $0.event == .ackError } })
        #expect(await pollUntil(seconds: 6) { logs.contains("timeout to commit") })
        #expect(await pollUntil(seconds: 4) { server.requests.count >= 2 })
        await agent.stop(flush: false)
        await server.stop()
    }

    @Test("reassembling ack reads (opt-in) commit a fragmented ack")
    func fragmentedAckReassembled() async throws {
        let server = try await FakeForwardServer.start(group: group, options: .init(ack: .fragmented))
        let events = EventRecorder()
        var s = ShellTestSupport.settings(ports: [server.port], ack: true)
        s.behaviour.ackReads = .reassemble
        let agent = try await start(s, events: events)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 3)
        #expect(await pollUntil(seconds: 3) { events.count("chunk_committed") == 1 })
        await agent.stop(flush: nil)
        await server.stop()
    }

    @Test("Gzip: compressed=gzip, one gzip member per append")
    func gzip() async throws {
        let server = try await FakeForwardServer.start(group: group)
        var s = ShellTestSupport.settings(ports: [server.port])
        s.compression = .gzip
        let agent = try await start(s)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(2))
        await agent.flush(timeout: 5)
        #expect(await pollUntil(seconds: 5) { server.requests.count == 1 })
        let r = try #require(server.requests.first)
        #expect(r.compressed == "gzip")
        #expect(r.size == 2)
        let plain = try GzipMembers.decompress(r.entries)
        var expected = ByteBuffer()
        ForwardEntry.write(time: ShellTestSupport.time, encodedRecord: ShellTestSupport.record(1), into: &expected)
        ForwardEntry.write(time: ShellTestSupport.time, encodedRecord: ShellTestSupport.record(2), into: &expected)
        #expect(plain == expected)
        await agent.stop(flush: nil)
        await server.stop()
    }

    @Test("Connections per send: new each time; keepalive reuses; keepalive+ack back-to-back uses several")
    func connectionsPerSend() async throws {
        for (keepalive, ack) in [(false, false), (true, false), (true, true)] {
            let server = try await FakeForwardServer.start(group: group)
            var s = ShellTestSupport.settings(ports: [server.port], ack: ack)
            s.keepalive = keepalive
            s.buffer.flushThreadCount = 1
            let agent = try await start(s)
            for i in 0..<3 { try agent.emit(tag: "t\(i)", time: ShellTestSupport.time, record: ShellTestSupport.record(i)) }
            await agent.flush(timeout: 5)
            #expect(await pollUntil(seconds: 5) { server.requests.count == 3 })
            let conns = Set(server.requests.map(\.connection)).count
            switch (keepalive, ack) {
            case (false, _): #expect(conns == 3)
            case (true, false): #expect(conns == 1)
            case (true, true): #expect(conns >= 2)
            }
            await agent.stop(flush: nil)
            await server.stop()
        }
    }

    @Test("Weight proportion over the wire: 12 chunks → 6 and 6; weight 0 gets none")
    func weights() async throws {
        let a = try await FakeForwardServer.start(group: group)
        let b = try await FakeForwardServer.start(group: group)
        let c = try await FakeForwardServer.start(group: group)
        var s = ShellTestSupport.settings(ports: [a.port, b.port, c.port])
        s.nodes[2].weight = 0
        let agent = try await start(s)
        for i in 0..<12 { try agent.emit(tag: "t\(i)", time: ShellTestSupport.time, record: ShellTestSupport.record(i)) }
        await agent.flush(timeout: 5)
        #expect(await pollUntil(seconds: 5) { a.requests.count + b.requests.count == 12 })
        #expect(a.requests.count == 6 && b.requests.count == 6 && c.requests.isEmpty)
        await agent.stop(flush: nil)
        for s in [a, b, c] { await s.stop() }
    }

    @Test("only standby nodes → 'no nodes are available' and a retry")
    func noNodes() async throws {
        let server = try await FakeForwardServer.start(group: group)
        var s = ShellTestSupport.settings(ports: [server.port])
        s.nodes[0].standby = true
        let logs = ShellLogCapture()
        let agent = try await start(s, logs: logs)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 0.3)
        #expect(await pollUntil(seconds: 5) { logs.contains("error_class=Fluent::Plugin::ForwardOutput::NoNodesAvailable error=\"no nodes are available\"") })
        #expect(logs.contains("failed to flush the buffer. retry_times=0"))
        #expect(server.requests.isEmpty)
        await agent.stop(flush: false)
        await server.stop()
    }
}

/// Shutdown with acks over real sockets (docs/fluentd-model.md, "Shutdown with acks"; quirk 36).
extension ShellWireTests {
    /// A chunk that only the shutdown's force_flush sends, to a receiver that acks at once; ack_response_timeout 1 s
    /// (an integer, as Fluentd requires) and a 1.5 s burst interval, so `last_ack` comes after the wait's deadline.
    private func shutdownSend(_ tweak: (inout AgentRuntimeSettings) -> Void) async throws -> (EventRecorder, ShellLogCapture, Int) {
        let server = try await FakeForwardServer.start(group: group)
        var s = ShellTestSupport.settings(ports: [server.port], ack: true)
        s.forwarder.ackResponseTimeout = 1
        s.flushThreadBurstInterval = 1.5
        tweak(&s)
        let events = EventRecorder(), logs = ShellLogCapture()
        let agent = try await start(s, logs: logs, events: events)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.stop(flush: true, drainTimeout: 5)
        let requests = server.requests.count
        await server.stop()
        return (events, logs, requests)
    }

    @Test("Shutdown: the ack reader has stopped, so last_ack expires the acked chunk's wait and disables the node")
    func shutdownLastAckDisablesANodeThatAcked() async throws {
        let (events, logs, requests) = try await shutdownSend { _ in }
        #expect(requests == 1, "the receiver got the chunk (and acked it)")
        #expect(events.count("ack_arrived") == 1)
        #expect(logs.contains("no response from node. regard it as unavailable."))
        #expect(events.all.contains { $0.event == .disabled && $0.cause == "ack_timeout" })
        #expect(events.count("chunk_committed") == 0)
        let order = events.all.map(\.event)
        #expect(order.firstIndex(of: .stopped).map { s in order.firstIndex(of: .chunkSent).map { s < $0 } ?? false } == true,
                "stopped marks when the stop begins, before the shutdown flush")
    }

    @Test("Shutdown with fwdlab_wait_for_acks_at_shutdown (and acks read on arrival): the chunk is committed")
    func shutdownWaitingForAcksCommits() async throws {
        let (events, _, requests) = try await shutdownSend { $0.forwarder.waitForAcksAtShutdown = true; $0.forwarder.readAcksOnArrival = true }
        #expect(requests == 1)
        #expect(events.count("chunk_committed") == 1)
        #expect(!events.all.contains { $0.event == .disabled })
    }
}

/// Collects agent events for assertions.
final class EventRecorder: @unchecked Sendable {
    // @unchecked: `records` is only touched under `lock`.
    private let lock = NSLock()
    private var records: [AgentEventRecord] = []

    func append(_ r: AgentEventRecord) { lock.withLock { records.append(r) } }
    var all: [AgentEvent] { lock.withLock { records.map(\.event) } }
    func contains(_ p: (AgentEvent) -> Bool) -> Bool { all.contains(where: p) }
    func count(_ name: String) -> Int { all.filter { $0.event.rawValue == name }.count }
}
