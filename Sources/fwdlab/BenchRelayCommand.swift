import Agent
import ArgumentParser
import Atomics
import ForwardProtocol
import Foundation
import ForwardServer
import Logging
import NIOCore
import NIOPosix
import Scenarios
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

    @Option(name: .customLong("chunk-limit"), help: "chunk_limit_size in bytes (default 8 MiB in-process, 4 MiB with --agent process).")
    var chunkLimitOption: Int?

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

    @Option(help: "With --input forward or --agent process: client connections.")
    var connections: Int = 2

    @Option(help: "in-process (the agent in this process) or process (`fwdlab agent` as its own process, fed through its forward input).")
    var agent: String = "in-process"

    @Option(help: "With --agent process: also run real Fluentd in the same role, alternating rounds (fluentd or fluentd:VERSION, e.g. fluentd:1.16.9).")
    var against: String?

    @Option(help: "With --agent process: rounds per agent (the figures compared are the medians).")
    var rounds: Int = 3

    @Option(name: .customLong("agent-param"), help: "With --agent process: NAME=VALUE added to the fwdlab agent's <match> only (repeatable).")
    var agentParams: [String] = []
    @Option(name: .customLong("agent-input-param"), help: "With --agent process: NAME=VALUE added to the fwdlab agent's <source> only (repeatable), e.g. fwdlab_read_buffer_limit=256k.")
    var agentInputParams: [String] = []

    var chunkLimit: Int { chunkLimitOption ?? (agent == "process" ? 4 * 1024 * 1024 : 8 * 1024 * 1024) }

    func run() async throws {
        guard input == "direct" || input == "forward" else { throw ValidationError("--input must be direct or forward") }
        guard agent == "in-process" || agent == "process" else { throw ValidationError("--agent must be in-process or process") }
        if agent == "process" { return try await runAsProcess() }
        guard against == nil else { throw ValidationError("--against needs --agent process (Fluentd runs as a process)") }
        // Large chunk buffers come and go: keep them mmapped so freed memory returns to the OS (glibc otherwise raises
        // its mmap threshold after the first free and keeps the pages in the heap).
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 256 * 1024)
        // One loop for the agent, one for the receiver: sharing a loop would serialise sender and receiver.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let receiverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let receiver = try await CountingAckReceiver.start(group: receiverGroup)
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
    private func runThroughForwardInput(agent: ForwardingAgent, receiver: CountingAckReceiver, group: MultiThreadedEventLoopGroup,
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

    /// `--agent process [--against fluentd[:VERSION]]`: rounds alternate between the agents, each a fresh process with
    /// the same configuration, sender and receiver; prints every round, the medians and their ratio.
    private func runAsProcess() async throws {
        guard input == "forward" || input == "direct" else { throw ValidationError("--input must be direct or forward") }
        guard (1...20).contains(rounds) else { throw ValidationError("--rounds must be 1–20") }
        var sides: [ProcessRelayBenchmark.Side] = [.fwdlab(executable: ScenarioRunner.currentExecutable)]
        if let against {
            guard case let .fluentd(f)? = try? RunOptions.AgentMode.parse(against) else {
                throw ValidationError("--against must name real Fluentd: fluentd, fluentd:VERSION or fluentd=PATH")
            }
            do { try f.verify() } catch { throw ValidationError("\(error)") }
            sides.append(.fluentd(f))
        }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let workdir = "reports/bench-relay/\(stamp)"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        var s = ProcessRelayBenchmark.Settings(workdir: workdir)
        s.seconds = seconds
        s.recordSize = recordSize
        s.batch = batch
        s.connections = connections
        s.chunkLimit = chunkLimit
        s.totalLimit = totalLimit
        s.burstInterval = burstInterval
        // As in-process: the agent is measured with acks read on arrival unless --fluentd-ack-reader (quirk 35).
        if !fluentdAckReader { s.agentParameters.append(("fwdlab_read_acks_on_arrival", "true")) }
        s.agentParameters += try Self.pairs(agentParams, flag: "--agent-param")
        s.agentInputParameters = try Self.pairs(agentInputParams, flag: "--agent-input-param")
        let settings = s

        print("bench relay --agent process: \(seconds) s windows after \(settings.warmup) s warm-up, record \(recordSize) B, "
              + "\(connections) client connections × \(batch) events per acked request, chunk_limit \(chunkLimit) B, "
              + "total_limit \(totalLimit) B, overflow_action block, flush_thread_count \(settings.flushThreadCount), "
              + "flush_thread_burst_interval \(burstInterval) s, acks on; \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("fwdlab agent's extra parameters: \(settings.agentParameters.isEmpty ? "none" : Self.listed(settings.agentParameters))"
              + (settings.agentInputParameters.isEmpty ? "" : "; in <source>: " + Self.listed(settings.agentInputParameters)))
        print("configurations and logs: \(workdir)")
        let limit = try await ProcessRelayBenchmark.loopbackLimit(settings: settings)
        print(String(format: "loopback limit (the same client straight into the receiver): %.0f events/s, %.0f MB/s", limit.eventsPerSecond, limit.megabytesPerSecond))

        var results: [ProcessRelayBenchmark.Round] = []
        for round in 1...rounds {
            // Alternate which agent goes first, so neither always runs on a warmer machine.
            for side in (round % 2 == 1 ? sides : sides.reversed()) {
                let r = try await ProcessRelayBenchmark.runRound(side, round: round, settings: settings)
                results.append(r)
                print(String(format: "round %d %@: %.0f events/s, %.1f MB/s, CPU %.0f%% of a core (%.2f µs/event), peak RSS %d MB (idle %d MB), acked by input %d, at receiver %d, lost %d",
                             r.round, r.side, r.eventsPerSecond, r.megabytesPerSecond, r.cpuPercent, r.cpuMicrosecondsPerEvent,
                             r.peakRSSKiB / 1024, r.idleRSSKiB / 1024, r.eventsAckedByInput, r.eventsAtReceiver, r.lost))
            }
        }
        var medians: [String: Double] = [:]
        for side in sides {
            let mine = results.filter { $0.side == side.name }
            let m = ProcessRelayBenchmark.median(mine.map(\.eventsPerSecond))
            medians[side.name] = m
            print(String(format: "median %@: %.0f events/s, %.2f µs CPU/event, peak RSS %d MB (max over rounds; idle %d MB)", side.name, m,
                         ProcessRelayBenchmark.median(mine.map(\.cpuMicrosecondsPerEvent)),
                         (mine.map(\.peakRSSKiB).max() ?? 0) / 1024, (mine.map(\.idleRSSKiB).max() ?? 0) / 1024))
        }
        if sides.count == 2, let a = medians[sides[0].name], let f = medians[sides[1].name], f > 0 {
            print(String(format: "ratio of medians (fwdlab agent / %@): %.2f", sides[1].name, a / f))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(results).write(to: URL(fileURLWithPath: workdir + "/rounds.json"))
        let lost = results.reduce(0) { $0 + $1.lost }
        if lost > 0 { throw ValidationError("\(lost) events acked by an agent's input never reached the receiver (\(workdir))") }
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
    static func measure(receiver: CountingAckReceiver, seconds: Double) async throws -> Window {
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

extension BenchRelayCommand {
    /// `NAME=VALUE` arguments of `flag` as configuration lines.
    fileprivate static func pairs(_ arguments: [String], flag: String) throws -> [(name: String, value: String)] {
        try arguments.map { p in
            guard let eq = p.firstIndex(of: "="), eq != p.startIndex else { throw ValidationError("\(flag) \(p): expected NAME=VALUE") }
            return (String(p[..<eq]), String(p[p.index(after: eq)...]))
        }
    }

    fileprivate static func listed(_ parameters: [(name: String, value: String)]) -> String {
        parameters.map { "\($0.name) \($0.value)" }.joined(separator: ", ")
    }
}

extension ForwardingAgent {
    fileprivate func emit(tag: String, entries: (ByteBuffer, count: Int), count: Int) throws(AgentEmitError) {
        try emit(tag: tag, entries: entries.0, count: count)
    }
}

/// glibc's `mallopt(3)` (not exported by the Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
