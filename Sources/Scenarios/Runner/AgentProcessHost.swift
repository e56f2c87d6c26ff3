import Agent
import Foundation
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The agent under test as a real `fwdlab agent -c FILE` child process: load goes in through its
/// `<source> @type forward` (acked events count as accepted), decisions come back through `--events` files (one per
/// incarnation, on the shared CLOCK_MONOTONIC), and kill -9, SIGUSR1 and SIGHUP are real signals.
final class AgentProcessHost: AgentUnderTest {
    let settings: AgentRuntimeSettings
    let clock: RunClock
    let log: AgentLogSink
    let executable: String
    let workdir: String
    let inputPort: Int
    let seed: UInt64
    let dnsResolver: String?
    private let configPath: String
    private let children: ChildAgentIncarnations
    let rpcEndpoint: HostPort?

    /// Writes the configuration (the scenario's, plus a forward input on `inputPort` when it has none).
    init(configText: String, seed: UInt64, clock: RunClock, log: AgentLogSink, executable: String, workdir: String,
         inputPort: Int, dnsResolver: String?) throws {
        let configuration = try AgentConfiguration.parse(text: configText, file: "agent.conf")
        guard var settings = AgentRuntimeSettings(configuration: configuration) else {
            throw ScenarioRunError.agent("the configuration has no <match> with @type forward")
        }
        settings.forwarder.seed = seed
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ScenarioRunError.agent("agent mode 'process' needs the fwdlab executable; \(executable) is not one")
        }
        var text = configText
        let hasForwardInput = configuration.sources.contains { if case .forward = $0 { true } else { false } }
        if !hasForwardInput {
            text += "\n# Added by the scenario runner (agent mode 'process'): the load comes in here.\n"
                + "<source>\n  @type forward\n  bind 127.0.0.1\n  port \(inputPort)\n</source>\n"
        }
        configPath = (workdir as NSString).appendingPathComponent("agent-process.conf")
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        self.settings = settings
        rpcEndpoint = configuration.system.rpcEndpoint
        self.clock = clock
        self.log = log
        self.executable = executable
        self.workdir = workdir
        self.inputPort = inputPort
        self.seed = seed
        self.dnsResolver = dnsResolver
        children = ChildAgentIncarnations(label: "fwdlab agent", inputPort: inputPort,
                                          logPath: { [workdir] in (workdir as NSString).appendingPathComponent("agent-process-\($0).log") })
    }

    var offersBatches: Bool { true }
    var isRunning: Bool { children.isRunning }

    private func eventsPath(_ n: Int) -> String { (workdir as NSString).appendingPathComponent("agent-events-\(n).jsonl") }

    func start() async throws {
        var common = ["--seed", String(seed), "--phi-samples"]
        if let dnsResolver { common += ["--dns-resolver", dnsResolver] }
        // A scaled run: the child's clock is the run's (same origin on the shared CLOCK_MONOTONIC), so its event
        // stamps read as scenario seconds exactly as the in-process agent's do.
        if clock.scale != 1 {
            common += ["--time-scale", String(clock.scale), "--clock-origin", "\(clock.originNanos):\(clock.originWallNanos)"]
        }
        let executable = self.executable, configPath = self.configPath
        try await children.start(argv: { n in [executable, "agent", "-c", configPath, "--events", self.eventsPath(n)] + common },
                                 readySeconds: 15)
    }

    func kill() async { await children.kill() }

    func stop(drainTimeout: Double) async { await children.stop(grace: drainTimeout + 10) }

    /// SIGTERM; the step completes when the child exited (SIGKILL after 40 s, beyond the agent's own 30 s bound).
    func terminate() async { await children.stop(grace: 40) }

    func flush(timeout: Double) async { try? children.signal(SIGUSR1) }

    func reload() async throws { try children.signal(SIGHUP, required: "reload") }

    func offer(tag: String, entries: ByteBuffer, count: Int) async -> OfferOutcome {
        await children.offer(tag: tag, entries: entries, count: count)
    }

    /// Parses every incarnation's `--events` file once.
    var observations: AgentObservations {
        var out = AgentObservations()
        for n in stride(from: 1, through: max(1, children.count), by: 1) {
            guard let text = try? String(contentsOfFile: eventsPath(n), encoding: .utf8) else { continue }
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                let e: AgentEventEntry
                do {
                    e = try AgentEventEntry(jsonLine: line, clock: clock)
                } catch {
                    // Kept in the run's agent log, never dropped unseen (a kill -9 can cut the last line short).
                    out.unreadable.append("\(eventsPath(n)):\(i + 1): unreadable event line (\(error)): \(line.prefix(200))")
                    continue
                }
                if e.event == .phiSample {
                    out.phiSamples.append(e)
                } else {
                    out.events.append(e)
                    if e.event == .chunkToSecondary { out.secondaryChunks += 1 }
                }
            }
        }
        return out
    }

    /// The agent's log of every incarnation (its stdout and stderr).
    var logText: String { children.logs.compactMap { $0 }.joined(separator: "\n") }
}
