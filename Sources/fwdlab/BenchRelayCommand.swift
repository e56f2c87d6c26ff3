import Agent
import ArgumentParser
import Atomics
import ForwardProtocol
import Foundation
import ForwardServer
import Logging
import NIOCore
import NIOPosix
import Simulator

/// `fwdlab bench relay`: an in-process agent relays PackedForward chunks of 1 KB records with acks to an in-process
/// acking receiver over loopback; prints events/s, MB/s, CPU and RSS. Events enter either directly (the emit API) or,
/// with `--input forward`, from a load client through the agent's `<source> @type forward` with acks.
struct BenchRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Agent relay throughput: direct input to out_forward with acks to a loopback receiver.")

    @Option(help: "Seconds to measure (after a 1 s warm-up).")
    var seconds: Double = 5

    @Option(name: .customLong("record-size"), help: "Encoded bytes per record.")
    var recordSize: Int = 1024

    @Option(name: .customLong("chunk-limit"), help: "chunk_limit_size in bytes.")
    var chunkLimit: Int = 8 * 1024 * 1024

    @Option(name: .customLong("total-limit"), help: "total_limit_size in bytes (the buffer cap).")
    var totalLimit: Int = 64 * 1024 * 1024

    @Option(name: .customLong("batch"), help: "Records per input batch (one buffer append).")
    var batch: Int = 256

    @Flag(help: "Keep connections alive between chunks (default: Fluentd's new connection per chunk).")
    var keepalive = false

    @Option(name: .customLong("high-water"), help: "Input pauses while this many MB are buffered (back-pressure below the cap; 0 = only the cap).")
    var highWaterMB: Int = 32

    @Option(name: .customLong("burst-interval"),
            help: "flush_thread_burst_interval in seconds. Fluentd's default (1) makes a flush thread sleep 1 s after every flush that leaves chunks queued unless an emit wakes it, and a full buffer blocks the emits: the relay would measure that sleep, not the agent (docs/fluentd-model.md).")
    var burstInterval: Double = 0

    @Flag(name: .customLong("fluentd-ack-reader"), help: "Read acks as Fluentd does, at the ack reader's passes (quirk 35): the relay is then bound by the buffer cap per second.")
    var fluentdAckReader = false

    @Option(help: "Where events enter: direct (the emit API) or forward (a load client → <source> @type forward, acked).")
    var input: String = "direct"

    @Option(help: "With --input forward: client connections.")
    var connections: Int = 2

    func run() async throws {
        guard input == "direct" || input == "forward" else { throw ValidationError("--input must be direct or forward") }
        // Large chunk buffers come and go: keep them mmapped so freed memory returns to the OS (glibc otherwise raises
        // its mmap threshold after the first free and keeps the pages in the heap).
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 256 * 1024)
        // One loop for the agent, one for the receiver: sharing a loop would serialise sender and receiver.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let receiverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let receiver = try await BenchAckServer.start(group: receiverGroup)
        var s = AgentRuntimeSettings()
        s.nodes = [ForwarderNodeConfig(name: "bench", host: "127.0.0.1", port: receiver.port)]
        s.forwarder.heartbeatType = .none
        s.forwarder.requireAckResponse = true
        s.forwarder.ackResponseTimeout = 30
        s.buffer.chunkLimitSize = chunkLimit
        s.buffer.totalLimitSize = totalLimit
        s.buffer.flushInterval = 1
        s.buffer.flushThreadCount = 2
        s.flushThreadBurstInterval = burstInterval
        // Fluentd reads an ack at the ack reader's next pass, so with the buffer full of chunks waiting for their acks the
        // relay would move one buffer per second (quirk 35): the bench measures the agent with the opt-in instead.
        s.forwarder.readAcksOnArrival = !fluentdAckReader
        s.keepalive = keepalive
        // Through the forward input, a full buffer pauses the client's connection (TCP back-pressure) instead of
        // refusing requests.
        if input == "forward" { s.buffer.overflowAction = .block }
        var logger = Logger(label: "fwdlab.bench.relay")
        logger.logLevel = .error
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group, logger: logger)
        if input == "forward" {
            try await runThroughForwardInput(agent: agent, receiver: receiver, group: group, receiverGroup: receiverGroup, logger: logger)
            return
        }

        let entries = Self.makeEntries(count: batch, recordSize: recordSize)
        let running = ManagedAtomic<Bool>(true)
        let offered = ManagedAtomic<Int>(0)
        let highWater = highWaterMB * 1024 * 1024
        let feeder = Task.detached {
            while running.load(ordering: .relaxed) {
                if highWater > 0 {
                    let st = agent.bufferStats
                    if st.stageBytes + st.queueBytes > highWater {
                        try? await Task.sleep(nanoseconds: 100_000)
                        continue
                    }
                }
                do {
                    try agent.emit(tag: "bench.relay", entries: entries, count: entries.count)
                    offered.wrappingIncrement(by: entries.count, ordering: .relaxed)
                } catch {
                    // Buffer full (back-pressure): let the flusher catch up.
                    try? await Task.sleep(nanoseconds: 200_000)
                }
            }
        }

        let w = try await Self.measure(receiver: receiver, seconds: seconds)
        running.store(false, ordering: .relaxed)
        _ = await feeder.value
        await agent.stop(flush: false, drainTimeout: 1)
        await receiver.stop()
        try await group.shutdownGracefully()
        try await receiverGroup.shutdownGracefully()

        print("bench relay: \(seconds) s, record \(recordSize) B, batch \(batch), chunk_limit \(chunkLimit) B, total_limit \(totalLimit) B, high-water \(highWaterMB) MB, acks on, keepalive \(keepalive)")
        w.printFigures(cpuNote: "", rssNote: "the rest is mapped code and data of shared libraries")
        print("events acked in window: \(w.events); offered total: \(offered.load(ordering: .relaxed))")
    }

    /// The load client → forward input → agent → receiver path; the client runs on its own event loop.
    private func runThroughForwardInput(agent: ForwardingAgent, receiver: BenchAckServer, group: MultiThreadedEventLoopGroup,
                                        receiverGroup: MultiThreadedEventLoopGroup, logger: Logger) async throws {
        var rs = ReceiverSettings(name: "bench-input")
        rs.logger = logger
        rs.ledger = LedgerSettings(storeEvents: false)
        // The input decodes and acks on its own loop, so 8 MB chunk writes on the agent's loop do not hold its reads.
        let inputGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let forwardInput = try await ForwardInput.start(settings: rs, agent: agent, group: inputGroup)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var load = ForwardLoadSettings(port: forwardInput.port, connections: connections, recordSize: recordSize, batch: batch,
                                       pipelineDepth: 2, requireAck: true, tag: "bench.relay",
                                       duration: .milliseconds(Int((seconds + 1.5) * 1000)))
        load.drainTimeout = .seconds(2)
        let settings = load
        let client = Task { try await ForwardLoadClient.run(settings, group: clientGroup) }

        let w = try await Self.measure(receiver: receiver, seconds: seconds)
        let sent = try? await client.value
        let counters = forwardInput.counters
        await forwardInput.stop()
        await agent.stop(flush: false, drainTimeout: 1)
        await receiver.stop()
        try await clientGroup.shutdownGracefully()
        try await inputGroup.shutdownGracefully()
        try await group.shutdownGracefully()
        try await receiverGroup.shutdownGracefully()

        print("bench relay: \(seconds) s, record \(recordSize) B, batch \(batch), chunk_limit \(chunkLimit) B, total_limit \(totalLimit) B, input forward (\(connections) client connections, acks, overflow_action block), acks on, keepalive \(keepalive)")
        w.printFigures(cpuNote: "; client, agent and receiver in this process", rssNote: "includes the load client and the receiver")
        print("events acked by the receiver in window: \(w.events); client: \(sent.map { "\($0.eventsAcked) acked by the input" } ?? "failed"); input buffered \(counters.buffered), refused requests \(counters.refusedRequests)")
    }

    /// `count` entries `[EventTime, {"message": "xxx…"}]` whose record encodes to `recordSize` bytes.
    static func makeEntries(count: Int, recordSize: Int) -> (ByteBuffer, count: Int) {
        // {"message": str32} = 1 + 8 + 5 + n bytes.
        let n = max(1, recordSize - 14)
        var record = ByteBuffer()
        record.writeMessagePackMapHeader(count: 1)
        record.writeMessagePackString("message")
        record.writeMessagePackString32Header(length: n)
        record.writeRepeatingByte(UInt8(ascii: "x"), count: n)
        var out = ByteBuffer()
        out.reserveCapacity(count * (record.readableBytes + 11))
        let t = EventTime(Date().timeIntervalSince1970)
        for _ in 0..<count { ForwardEntry.write(time: t, encodedRecord: record, into: &out) }
        return (out, count)
    }

    /// One measurement window: what the receiver got, and the process's CPU and memory.
    struct Window {
        var elapsed: Double
        var events: Int
        var bytes: Int
        var cpu: Double
        /// VmRSS, VmHWM and RssAnon in KiB.
        var rss: Int
        var peak: Int
        var anonymous: Int

        func printFigures(cpuNote: String, rssNote: String) {
            print(String(format: "events/s: %.0f", Double(events) / elapsed))
            print(String(format: "MB/s (entries): %.1f", Double(bytes) / elapsed / 1_000_000))
            print(String(format: "CPU: %.0f%% of one core (%.2f s user+sys%@)", cpu / elapsed * 100, cpu, cpuNote))
            print("RSS: \(rss / 1024) MB (peak \(peak / 1024) MB; anonymous \(anonymous / 1024) MB; \(rssNote))")
        }
    }

    /// Waits 1 s of warm-up, then measures `seconds` at the receiver.
    static func measure(receiver: BenchAckServer, seconds: Double) async throws -> Window {
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let startEvents = receiver.events.load(ordering: .relaxed)
        let startBytes = receiver.bytes.load(ordering: .relaxed)
        let startCPU = ProcessFigures.cpuSeconds()
        let startWall = Date()
        try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
        let status = ProcessFigures.status(["VmRSS:", "VmHWM:", "RssAnon:"])
        return Window(elapsed: Date().timeIntervalSince(startWall),
                      events: receiver.events.load(ordering: .relaxed) - startEvents,
                      bytes: receiver.bytes.load(ordering: .relaxed) - startBytes,
                      cpu: ProcessFigures.cpuSeconds() - startCPU, rss: status[0], peak: status[1], anonymous: status[2])
    }

}

extension ForwardingAgent {
    fileprivate func emit(tag: String, entries: (ByteBuffer, count: Int), count: Int) throws(AgentEmitError) {
        try emit(tag: tag, entries: entries.0, count: count)
    }
}

/// A minimal fast acking forward receiver for the benchmark: finds each request's end with the frame scanner, reads
/// only the option map (`size`, `chunk`) and acks; events are counted from `size` (entries are not decoded).
final class BenchAckServer: Sendable {
    let events: ManagedAtomic<Int>
    let bytes: ManagedAtomic<Int>
    let channel: Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: Channel, events: ManagedAtomic<Int>, bytes: ManagedAtomic<Int>) {
        self.channel = channel
        self.events = events
        self.bytes = bytes
    }

    static func start(group: EventLoopGroup) async throws -> BenchAckServer {
        let events = ManagedAtomic<Int>(0)
        let bytes = ManagedAtomic<Int>(0)
        let ch = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 65536, maximum: 1 << 20))
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(BenchAckHandler(events: events, bytes: bytes))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return BenchAckServer(channel: ch, events: events, bytes: bytes)
    }

    func stop() async { try? await channel.close() }
}

/// Streams each PackedForward request: parses the head, skips the entries blob as it arrives (no accumulation, no
/// copy), then parses the option map and acks. Anything that is not `[tag, str32/bin32 blob, option]` closes the
/// connection (the agent only sends that shape; docs/forward-protocol.md, "Sending a chunk").
private final class BenchAckHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    enum Phase { case head, skipping(Int), option }
    let events: ManagedAtomic<Int>
    let bytes: ManagedAtomic<Int>
    var pending = ByteBuffer()
    var phase = Phase.head
    var scanner = MessagePackFrameScanner()

    init(events: ManagedAtomic<Int>, bytes: ManagedAtomic<Int>) {
        self.events = events
        self.bytes = bytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        var acks: ByteBuffer?
        while true {
            switch phase {
            case .skipping(let remaining):
                let n = min(remaining, incoming.readableBytes)
                incoming.moveReaderIndex(forwardBy: n)
                bytes.wrappingIncrement(by: n, ordering: .relaxed)
                if n < remaining {
                    phase = .skipping(remaining - n)
                    flush(acks, context)
                    return
                }
                phase = .option
            case .head:
                pending.writeBuffer(&incoming)
                var r = MessagePackReader(pending)
                guard let count = try? r.readArrayHeader(), count >= 2, (try? r.skipValue()) != nil,
                      let f = r.peekFormat() else {
                    if pending.readableBytes > 4096 { context.close(promise: nil) }
                    flush(acks, context)
                    return
                }
                guard f == 0xdb || f == 0xc6 else { context.close(promise: nil); return }
                r.buffer.moveReaderIndex(forwardBy: 1)
                guard let len = r.buffer.readInteger(as: UInt32.self) else { flush(acks, context); return }
                // What follows the head in `pending` is blob (then maybe the option and more requests).
                incoming = r.buffer
                pending.clear()
                phase = .skipping(Int(len))
            case .option:
                pending.writeBuffer(&incoming)
                guard case let .frame(length)? = try? scanner.scan(pending) else {
                    flush(acks, context)
                    return
                }
                scanner.reset()
                var r = MessagePackReader(pending.readSlice(length: length)!)
                incoming = pending
                pending = ByteBuffer()
                phase = .head
                if let option = try? ForwardOption.read(from: &r) {
                    events.wrappingIncrement(by: Int(option.size ?? 0), ordering: .relaxed)
                    if option.wantsAck, let chunk = option.chunk {
                        if acks == nil { acks = context.channel.allocator.buffer(capacity: 64) }
                        ForwardAck.write(echoing: chunk, into: &acks!)
                    }
                }
                if incoming.readableBytes == 0 {
                    flush(acks, context)
                    return
                }
            }
        }
    }

    private func flush(_ acks: ByteBuffer?, _ context: ChannelHandlerContext) {
        if let acks { context.writeAndFlush(wrapOutboundOut(acks), promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

/// glibc's `mallopt(3)` (not exported by the Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
