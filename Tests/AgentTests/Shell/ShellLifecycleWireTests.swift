import ForwardProtocol
import ForwardServer
import Foundation
import NIOCore
import NIOPosix
import Simulator
import Testing

@testable import Agent
import ForwardLabTestSupport

/// Buffer overflow, startup and reload behaviours observed over real loopback sockets.
@Suite("ShellLifecycleWire", .serialized)
struct ShellLifecycleWireTests {
    let group = ShellTestSupport.group

    @Test("flush_thread_burst_interval 0: the shutdown's force_flush loop re-arms at once without starving the sends it waits for")
    func zeroBurstIntervalShutdownFlushDelivers() async throws {
        let r1 = try await ForwardReceiver.start(ReceiverSettings(name: "r1"), group: group)
        var s = ShellTestSupport.settings(ports: [r1.port])
        s.buffer.chunkLimitSize = 1024
        s.buffer.flushInterval = 60
        s.buffer.flushThreadCount = 2
        s.flushThreadBurstInterval = 0
        s.forwarder.requireAckResponse = true
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        // ~60-byte records, about 16 per 1 KB chunk: 400 events queue about 25 chunks, all still queued at the stop
        // (flush_interval 60 s), so the stop's force_flush loop runs while they are sent.
        for seq in 0 ..< 400 {
            let record = MessagePackValue.map([MessagePackPair(.str("seq"), .int(Int64(seq))),
                                               MessagePackPair(.str("pad"), .str(String(repeating: "p", count: 40)))]).encoded
            try agent.emit(tag: "burst", time: ShellTestSupport.time, record: record)
        }
        // Before the fix the loop's 0-second re-arm kept NIO running due tasks without polling the sockets: nothing was
        // sent until the drain timeout, and the memory buffer's chunks were lost at the stop.
        await agent.stop(flush: true, drainTimeout: 10)
        let seqs = r1.ledger.sequenceNumbers().compactMap { $0 }
        await r1.stop()
        #expect(Set(seqs) == Set(0 ..< 400), "received \(Set(seqs).count) of 400 distinct events")
    }

    @Test("drop_oldest_chunk: with the node down, the oldest chunks are purged; the receiver later gets the newest events only")
    func dropOldestChunkOverTheWire() async throws {
        let r1 = try await ForwardReceiver.start(ReceiverSettings(name: "r1"), group: group)
        let port = r1.port
        await r1.stop()
        var s = ShellTestSupport.settings(ports: [port])
        s.buffer.chunkLimitSize = 1024
        s.buffer.totalLimitSize = 4096
        s.buffer.overflowAction = .dropOldestChunk
        s.buffer.flushInterval = 0
        s.retry.wait = 0.2
        s.retry.maxInterval = 0.3
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        // ~60-byte records: about 16 per 1 KB chunk, 4 chunks fit; 200 events overflow many times.
        for seq in 0 ..< 200 {
            let record = MessagePackValue.map([MessagePackPair(.str("seq"), .int(Int64(seq))),
                                               MessagePackPair(.str("pad"), .str(String(repeating: "p", count: 40)))]).encoded
            try agent.emit(tag: "drop", time: ShellTestSupport.time, record: record)
        }
        var rs = ReceiverSettings(name: "r1", port: port)
        rs.bind = "127.0.0.1"
        let back = try await ForwardReceiver.start(rs, group: group)
        await agent.flush(timeout: 5)
        // Wait until the agent holds nothing (staged, queued or in flight), not only until its queue is empty: the
        // newest chunk may still be staged, and a stop while a retry wait is pending ends its force_flush loop at
        // once (Fluentd's `submit_flush_all` runs only while nothing retries), so that chunk would be lost with the
        // memory buffer. That happened under CPU load; it is Fluentd's behaviour, not the drop this test checks.
        #expect(await pollUntil(seconds: 10) {
            let b = agent.bufferStats
            return back.ledger.count > 0 && b.stagedChunks == 0 && b.queuedChunks == 0 && b.dequeuedChunks == 0
        })
        await agent.stop(flush: true, drainTimeout: 5)
        await back.stop()
        let seqs = back.ledger.sequenceNumbers().compactMap { $0 }.sorted()
        // What survives is a contiguous newest tail, plus at most one older chunk: the one the flush thread had
        // dequeued for a (refused) send when an overflow came, which is not in the queue that drop_oldest_chunk trims
        // (Fluentd drops `@queue.shift`, never a chunk being flushed). Which chunk that is depends on when the retry
        // timer fired relative to the emits (the first one, or a later one after some drops), so only its size is
        // fixed.
        var runs: [[Int64]] = []
        for seq in seqs {
            if let last = runs.last?.last, last + 1 == seq { runs[runs.count - 1].append(seq) } else { runs.append([seq]) }
        }
        #expect(runs.last?.last == 199, "the newest event survives")
        #expect(runs.count <= 2, "a newest tail plus at most the in-flight first chunk, got runs \(runs.map { "\($0.first!)...\($0.last!)" })")
        if runs.count == 2 {
            #expect(runs[0].count <= 20, "only the chunk in flight (≈16 events) can escape the drop, got \(runs[0].first!)...\(runs[0].last!)")
        }
        let tail = runs.last ?? []
        #expect(tail.count < 200 && tail.count <= 4096 / 50, "the queued tail fits total_limit_size, got \(tail.count)")
        #expect(seqs.count < 200, "chunks were dropped")
    }

    @Test("ignore_network_errors_at_startup: an unresolvable server fails start; with the flag the agent starts and forwards to the other node")
    func ignoreNetworkErrorsAtStartup() async throws {
        let dns = try await DNSServer.start(
            authority: DNSZoneFile.parse(yaml: "zones: [test]\nnames:\n  gone.test: {behaviour: nxdomain}\n").makeAuthority(),
            configuration: DNSServerConfiguration(hosts: ["127.0.0.1"]))
        let r1 = try await ForwardReceiver.start(ReceiverSettings(name: "r1"), group: group)
        func settings(ignore: Bool) -> AgentRuntimeSettings {
            var s = ShellTestSupport.settings(ports: [r1.port], heartbeat: .transport)
            s.nodes.insert(ForwarderNodeConfig(name: "gone", host: "gone.test", port: 24224), at: 0)
            s.forwarder.ignoreNetworkErrorsAtStartup = ignore
            s.buffer.flushInterval = 0
            return s
        }
        let resolver = try CAresResolver(nameserverHost: "127.0.0.1", port: dns.port,
                                         options: CAresResolverOptions(timeout: .milliseconds(300), tries: 1))
        do {
            let agent = try await ForwardingAgent.start(configuration: settings(ignore: false), eventLoopGroup: group, resolver: resolver)
            Issue.record("start must fail without ignore_network_errors_at_startup")
            await agent.stop(flush: false)
        } catch let error as AgentStartError {
            guard case let .resolution(host, _) = error else { Issue.record("\(error)"); return }
            #expect(host == "gone.test")
        }
        let agent = try await ForwardingAgent.start(configuration: settings(ignore: true), eventLoopGroup: group, resolver: resolver)
        for n in 0 ..< 20 { try agent.emit(tag: "ign", time: ShellTestSupport.time, record: ShellTestSupport.record(n)) }
        #expect(await pollUntil(seconds: 10) { r1.ledger.count >= 20 })
        await agent.stop(flush: true, drainTimeout: 5)
        await r1.stop()
        await dns.stop()
    }

    @Test("reload over the wire: after reloading to a new server list, new chunks go only to the new node")
    func reloadSwitchesServers() async throws {
        let r1 = try await ForwardReceiver.start(ReceiverSettings(name: "r1"), group: group)
        let r2 = try await ForwardReceiver.start(ReceiverSettings(name: "r2"), group: group)
        var s = ShellTestSupport.settings(ports: [r1.port])
        s.buffer.flushInterval = 0
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        for n in 0 ..< 10 { try agent.emit(tag: "rl", time: ShellTestSupport.time, record: ShellTestSupport.record(n)) }
        #expect(await pollUntil(seconds: 10) { r1.ledger.count >= 10 })
        try await agent.reload(ShellTestSupport.settings(ports: [r2.port]))
        for n in 10 ..< 20 { try agent.emit(tag: "rl", time: ShellTestSupport.time, record: ShellTestSupport.record(n)) }
        await agent.flush(timeout: 5)
        #expect(await pollUntil(seconds: 10) { r2.ledger.count >= 10 })
        await agent.stop(flush: true, drainTimeout: 5)
        await r1.stop(); await r2.stop()
        #expect(r1.ledger.count == 10, "nothing reaches the old node after the reload")
        #expect(r2.ledger.count == 10)
    }

    @Test("a reload whose host does not resolve fails and leaves the running output delivering, as Fluentd's reload_config")
    func reloadWithAnUnresolvableHostKeepsTheOldOutput() async throws {
        let dns = try await DNSServer.start(
            authority: DNSZoneFile.parse(yaml: "zones: [test]\nnames:\n  gone.test: {behaviour: nxdomain}\n").makeAuthority(),
            configuration: DNSServerConfiguration(hosts: ["127.0.0.1"]))
        let r1 = try await ForwardReceiver.start(ReceiverSettings(name: "r1"), group: group)
        var s = ShellTestSupport.settings(ports: [r1.port], heartbeat: .transport)
        s.buffer.flushInterval = 0
        let resolver = try CAresResolver(nameserverHost: "127.0.0.1", port: dns.port,
                                         options: CAresResolverOptions(timeout: .milliseconds(300), tries: 1))
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group, resolver: resolver)
        var broken = s
        broken.nodes = [ForwarderNodeConfig(name: "gone", host: "gone.test", port: 24224)]
        await #expect(throws: AgentStartError.self) { try await agent.reload(broken) }
        // Before the fix the old output was shut down first, so nothing was flushed after the failed reload.
        for n in 0 ..< 20 { try agent.emit(tag: "rl", time: ShellTestSupport.time, record: ShellTestSupport.record(n)) }
        #expect(await pollUntil(seconds: 10) { r1.ledger.count >= 20 }, "the old output still flushes: \(r1.ledger.count) of 20")
        await agent.stop(flush: true, drainTimeout: 5)
        await r1.stop()
        await dns.stop()
    }

    /// Agent events with their monotonic times (the injected clock's), for the reload sequence.
    final class TimedEvents: @unchecked Sendable {
        // @unchecked: `records` is only touched under `lock`.
        private let lock = NSLock()
        private var records: [AgentEventRecord] = []
        func append(_ r: AgentEventRecord) { lock.withLock { records.append(r) } }
        /// (name, monotonic time) in emission order.
        var timeline: [(String, AgentSeconds)] { lock.withLock { records.map { ($0.event.event.rawValue, $0.monotonic) } } }
        func times(_ name: String) -> [AgentSeconds] { timeline.filter { $0.0 == name }.map(\.1) }
    }

    @Test("a graceful reload runs the old output's shutdown first: flush_at_shutdown sends, last_ack reads the ack at 1 s, `reloaded` at 1.5 s, emits refused until then (docs/control-path.md)")
    func reloadStopsTheOldOutputFirst() async throws {
        let r1 = try await ForwardReceiver.start(ReceiverSettings(name: "r1"), group: group)
        var s = ShellTestSupport.settings(ports: [r1.port], ack: true)
        s.forwarder.ackResponseTimeout = 2
        s.flushThreadBurstInterval = 1   // Fluentd's default: the force_flush loop sleeps 1 s after its one flush
        let clock = SystemClock()
        let events = TimedEvents()
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group, clock: clock,
                                                    eventSink: { events.append($0) })
        // A first delivery, so the flush threads run (they begin some time after the start, as Fluentd's).
        try agent.emit(tag: "rl", time: ShellTestSupport.time, record: ShellTestSupport.record(-1))
        await agent.flush(timeout: 5)
        #expect(await pollUntil(seconds: 5) { r1.ledger.count == 1 && agent.bufferStats.dequeuedChunks == 0 })
        for n in 0 ..< 10 { try agent.emit(tag: "rl", time: ShellTestSupport.time, record: ShellTestSupport.record(n)) }
        let t0 = clock.monotonicNow
        let reload = Task { try await agent.reload(s) }
        // Fluentd's inputs are stopped during the window: an emit is refused as by a stopped input. The ones accepted
        // before the reload began are flushed by its shutdown.
        var refused = false
        var accepted = 0
        #expect(await pollUntil(seconds: 1) {
            do throws(AgentEmitError) {
                try agent.emit(tag: "rl", time: ShellTestSupport.time, record: ShellTestSupport.record(99))
                accepted += 1
            } catch {
                if case .stopped = error { refused = true }
            }
            return refused
        })
        #expect(clock.monotonicNow - t0 < 1, "refused while the old output shuts down")
        try await reload.value
        let sent = events.times("chunk_sent"), acked = events.times("chunk_acked"), reloaded = events.times("reloaded")
        let started = events.times("started")
        try #require(sent.count == 2 && acked.count == 2 && reloaded.count == 1 && started.count == 2, "\(events.timeline)")
        // Predicted from Fluentd's sequence: the shutdown flush at once; the ack read by last_ack after the 1 s burst
        // sleep (the reader stopped at the stop); the output's event loop exits 0.5 s after last_ack began.
        #expect(sent[1] - t0 < 0.2)
        #expect(acked[1] - t0 >= 1 && acked[1] - t0 < 1.25, "last_ack at \(acked[1] - t0) s")
        #expect(reloaded[0] - t0 >= 1.5 && reloaded[0] - t0 < 1.75, "reloaded at \(reloaded[0] - t0) s")
        #expect(acked[1] <= reloaded[0] && reloaded[0] <= started[1], "\(events.timeline)")
        #expect(r1.ledger.count == 11 + accepted, "the shutdown flush delivered the staged events once")
        // The new output runs: emits are accepted again and flushed (once its flush threads began).
        for n in 10 ..< 15 { try agent.emit(tag: "rl", time: ShellTestSupport.time, record: ShellTestSupport.record(n)) }
        #expect(await pollUntil(seconds: 5) {
            await agent.flush(timeout: 1)
            return r1.ledger.count == 16 + accepted
        })
        await agent.stop(flush: true, drainTimeout: 5)
        await r1.stop()
    }

    @Test("a reload with a retry wait pending drops the memory buffer's chunks, as Fluentd's new buffer starts empty; fwdlab_keep_buffer_on_reload keeps them")
    func reloadDropsTheMemoryBufferUnlessKept() async throws {
        let probe = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress!.port!
        try await probe.close()
        for keep in [false, true] {
            var s = ShellTestSupport.settings(ports: [port])
            s.retry.wait = 30   // the retry wait stays pending through the reload
            s.forwarder.keepBufferOnReload = keep
            let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
            for n in 0 ..< 10 { try agent.emit(tag: "rl", time: ShellTestSupport.time, record: ShellTestSupport.record(n)) }
            await agent.flush(timeout: 2)   // the one try fails (connection refused): a retry wait begins
            #expect(await pollUntil(seconds: 5) { await agent.counters().flushFailures >= 1 })
            try await agent.reload(s)
            let b = agent.bufferStats
            if keep {
                #expect(agent.buffer.queuedRecords == 10, "kept: \(b)")
            } else {
                #expect(b.stagedChunks == 0 && b.queuedChunks == 0 && b.dequeuedChunks == 0, "dropped: \(b)")
            }
            await agent.stop(flush: false)
        }
    }
}
