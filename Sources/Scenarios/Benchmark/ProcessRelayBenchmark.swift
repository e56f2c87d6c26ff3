import Foundation
import NIOPosix
import Simulator

#if canImport(Glibc)
import Glibc
#endif

/// `fwdlab bench relay --agent process`: a load client → an agent running as its own process (`fwdlab agent` or real
/// Fluentd, the same configuration) → a counting receiver, all over loopback; one round measures one agent.
public enum ProcessRelayBenchmark {
    /// The agent that relays in a round.
    public enum Side: Sendable, Equatable {
        case fwdlab(executable: String)
        case fluentd(FluentdInstallation)

        public var name: String {
            switch self {
            case .fwdlab: "fwdlab agent"
            case .fluentd(let f): "fluentd \(f.version)"
            }
        }
    }

    /// What a round sends and how the agent is configured; the same for both sides.
    public struct Settings: Sendable {
        public var seconds = 5.0
        /// Load before the window opens (connections up, buffer filled, Ruby warmed).
        public var warmup = 2.0
        public var recordSize = 1024
        /// Events per PackedForward request from the client.
        public var batch = 256
        public var connections = 2
        public var pipelineDepth = 2
        public var chunkLimit = 4 * 1024 * 1024
        public var totalLimit = 64 * 1024 * 1024
        public var flushThreadCount = 2
        /// `flush_thread_burst_interval`; nil leaves Fluentd's default (1 s).
        public var burstInterval: Double?
        /// Extra `<match>` parameters given to the fwdlab agent only (its opt-in `fwdlab_*` behaviours).
        public var agentParameters: [(name: String, value: String)] = []
        /// Lines added to the fwdlab agent's `<source>` only.
        public var agentInputParameters: [(name: String, value: String)] = []
        /// Where configurations and logs go.
        public var workdir: String

        public init(workdir: String) { self.workdir = workdir }

        /// The acked load both the agents and the loopback limit get, sending for `seconds` (plus 0.2 s, so the
        /// window closes before the client stops).
        func load(port: Int, seconds: Double) -> ForwardLoadSettings {
            ForwardLoadSettings(port: port, connections: connections, recordSize: recordSize, batch: batch,
                                pipelineDepth: pipelineDepth, requireAck: true, tag: "bench.relay",
                                duration: .milliseconds(Int((seconds + 0.2) * 1000)))
        }
    }

    /// One measured round.
    public struct Round: Sendable, Codable {
        public var side: String
        public var round: Int
        public var eventsPerSecond: Double
        public var megabytesPerSecond: Double
        /// The agent process's user+system CPU in the window, in percent of one core and per event.
        public var cpuPercent: Double
        public var cpuMicrosecondsPerEvent: Double
        /// The agent process's VmHWM at the end of the window, and its VmRSS idle after start-up (before any load).
        public var peakRSSKiB: Int
        public var idleRSSKiB: Int
        /// Events acked by the agent's forward input over the whole round, and events the receiver got.
        public var eventsAckedByInput: Int
        public var eventsAtReceiver: Int
        /// Acked by the input but never at the receiver (must be 0).
        public var lost: Int { max(0, eventsAckedByInput - eventsAtReceiver) }
    }

    /// The configuration both sides run (Fluentd syntax).
    public static func configuration(_ s: Settings, side: Side, inputPort: Int, receiverPort: Int) -> String {
        var match = """
              @type forward
              require_ack_response true
            """
        var source = ""
        if case .fwdlab = side {
            for p in s.agentParameters { match += "\n  \(p.name) \(p.value)" }
            for p in s.agentInputParameters { source += "\n  \(p.name) \(p.value)" }
        }
        let burst = s.burstInterval.map { "\n    flush_thread_burst_interval \(Self.seconds($0))" } ?? ""
        return """
            <system>
              log_level warn
            </system>
            <source>
              @type forward
              bind 127.0.0.1
              port \(inputPort)\(source)
            </source>
            <match bench.**>
            \(match)
              <server>
                host 127.0.0.1
                port \(receiverPort)
              </server>
              <buffer>
                @type memory
                chunk_limit_size \(s.chunkLimit)
                total_limit_size \(s.totalLimit)
                overflow_action block
                flush_interval 1s
                flush_thread_count \(s.flushThreadCount)\(burst)
              </buffer>
            </match>

            """
    }

    private static func seconds(_ v: Double) -> String { v == v.rounded() ? "\(Int(v))" : "\(v)" }

    /// Runs one round: starts the agent, measures its idle memory, loads it for warm-up plus the window, then stops it
    /// with SIGTERM (it flushes what it holds) and counts what reached the receiver.
    public static func runRound(_ side: Side, round: Int, settings s: Settings) async throws -> Round {
        try await withLoops { clientGroup, receiverGroup in
            try await runRound(side, round: round, settings: s, clientGroup: clientGroup, receiverGroup: receiverGroup)
        }
    }

    private static func runRound(_ side: Side, round: Int, settings s: Settings, clientGroup: MultiThreadedEventLoopGroup,
                                 receiverGroup: MultiThreadedEventLoopGroup) async throws -> Round {
        let receiver = try await CountingAckReceiver.start(group: receiverGroup)
        let inputPort = try PortAllocator.freeTCPPort()
        let stem = "\(s.workdir)/round\(round)-\(side.fileStem)"
        let configPath = stem + ".conf"
        try configuration(s, side: side, inputPort: inputPort, receiverPort: receiver.port)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let argv: [String], environment: [String: String]
        switch side {
        case .fwdlab(let executable):
            argv = [executable, "agent", "-c", configPath]
            environment = [:]
        case .fluentd(let f):
            argv = f.command + ["-c", configPath, "--no-supervisor"]
            environment = f.environment
        }
        let child = try ChildAgentProcess(label: side.name, argv: argv, environment: environment, logPath: stem + ".log")
        do {
            // Ruby loads Fluentd in about a second on two cores; 60 s bounds a loaded machine.
            try await child.waitUntilListening(port: inputPort, seconds: 60)
            try await Task.sleep(nanoseconds: 1_000_000_000)
            let idle = ProcessFigures.status(["VmRSS:"], pid: child.pid)[0]

            var load = s.load(port: inputPort, seconds: s.warmup + s.seconds)
            load.drainTimeout = .seconds(10)
            let settings = load
            let client = Task { try await ForwardLoadClient.run(settings, group: clientGroup) }

            try await Task.sleep(nanoseconds: UInt64(s.warmup * 1e9))
            let e0 = receiver.events.load(ordering: .relaxed), b0 = receiver.bytes.load(ordering: .relaxed)
            let c0 = ProcessFigures.cpuSeconds(pid: child.pid), t0 = Date()
            try await Task.sleep(nanoseconds: UInt64(s.seconds * 1e9))
            let e1 = receiver.events.load(ordering: .relaxed), b1 = receiver.bytes.load(ordering: .relaxed)
            let c1 = ProcessFigures.cpuSeconds(pid: child.pid), elapsed = Date().timeIntervalSince(t0)
            guard let c0, let c1, child.isRunning else {
                throw ScenarioRunError.agent("\(side.name) exited during the round: \(child.failureSummary)")
            }
            let peak = ProcessFigures.status(["VmHWM:"], pid: child.pid)[0]

            let sent = try await client.value
            await child.terminate(grace: 20)
            // What the agent flushed at shutdown is acked by now; the receiver's loop may still be counting the last read.
            try await Task.sleep(nanoseconds: 200_000_000)
            let total = receiver.events.load(ordering: .relaxed)
            await receiver.stop()
            let events = e1 - e0
            return Round(side: side.name, round: round, eventsPerSecond: Double(events) / elapsed,
                         megabytesPerSecond: Double(b1 - b0) / elapsed / 1_000_000,
                         cpuPercent: (c1 - c0) / elapsed * 100,
                         cpuMicrosecondsPerEvent: events > 0 ? (c1 - c0) / Double(events) * 1e6 : 0,
                         peakRSSKiB: peak, idleRSSKiB: idle, eventsAckedByInput: sent.eventsAcked, eventsAtReceiver: total)
        } catch {
            await child.kill()
            await receiver.stop()
            throw error
        }
    }

    /// The machine's loopback limit for this load: the same client straight into the counting receiver.
    public static func loopbackLimit(settings s: Settings) async throws -> (eventsPerSecond: Double, megabytesPerSecond: Double) {
        try await withLoops { clientGroup, receiverGroup in
            try await loopbackLimit(settings: s, clientGroup: clientGroup, receiverGroup: receiverGroup)
        }
    }

    private static func loopbackLimit(settings s: Settings, clientGroup: MultiThreadedEventLoopGroup,
                                      receiverGroup: MultiThreadedEventLoopGroup) async throws -> (eventsPerSecond: Double, megabytesPerSecond: Double) {
        let receiver = try await CountingAckReceiver.start(group: receiverGroup)
        let load = s.load(port: receiver.port, seconds: 1 + s.seconds)
        let client = Task { try await ForwardLoadClient.run(load, group: clientGroup) }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let e0 = receiver.events.load(ordering: .relaxed), b0 = receiver.bytes.load(ordering: .relaxed), t0 = Date()
        try await Task.sleep(nanoseconds: UInt64(s.seconds * 1e9))
        let e1 = receiver.events.load(ordering: .relaxed), b1 = receiver.bytes.load(ordering: .relaxed)
        let elapsed = Date().timeIntervalSince(t0)
        _ = try await client.value
        await receiver.stop()
        return (Double(e1 - e0) / elapsed, Double(b1 - b0) / elapsed / 1_000_000)
    }

    /// One loop for the client and one for the receiver (sharing one would serialise them), shut down afterwards.
    private static func withLoops<T: Sendable>(_ body: (MultiThreadedEventLoopGroup, MultiThreadedEventLoopGroup) async throws -> T) async throws -> T {
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let receiverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let result: Result<T, any Error>
        do { result = .success(try await body(clientGroup, receiverGroup)) } catch { result = .failure(error) }
        try? await clientGroup.shutdownGracefully()
        try? await receiverGroup.shutdownGracefully()
        return try result.get()
    }

    /// The median of `values` (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        let v = values.sorted()
        guard !v.isEmpty else { return 0 }
        return v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
    }
}

extension ProcessRelayBenchmark.Side {
    fileprivate var fileStem: String {
        switch self {
        case .fwdlab: "fwdlab"
        case .fluentd(let f): "fluentd-\(f.version)"
        }
    }
}
