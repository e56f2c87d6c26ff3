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
    private let client: ForwardInputClient
    private struct State {
        var process: ChildAgentProcess?
        var incarnations = 0
    }
    private let state = NIOLockedValueBox(State())

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
        self.clock = clock
        self.log = log
        self.executable = executable
        self.workdir = workdir
        self.inputPort = inputPort
        self.seed = seed
        self.dnsResolver = dnsResolver
        client = ForwardInputClient(port: inputPort)
    }

    var offersBatches: Bool { true }
    var isRunning: Bool { state.withLockedValue { $0.process?.isRunning ?? false } }
    private var incarnations: Int { state.withLockedValue { $0.incarnations } }

    private func eventsPath(_ n: Int) -> String { (workdir as NSString).appendingPathComponent("agent-events-\(n).jsonl") }
    private func logPath(_ n: Int) -> String { (workdir as NSString).appendingPathComponent("agent-process-\(n).log") }

    func start() async throws {
        let n = incarnations + 1
        var args = [executable, "agent", "-c", configPath, "--events", eventsPath(n), "--seed", String(seed), "--phi-samples"]
        if let dnsResolver { args += ["--dns-resolver", dnsResolver] }
        // A scaled run: the child's clock is the run's (same origin on the shared CLOCK_MONOTONIC), so its event
        // stamps read as scenario seconds exactly as the in-process agent's do.
        if clock.scale != 1 {
            args += ["--time-scale", String(clock.scale), "--clock-origin", "\(clock.originNanos):\(clock.originWallNanos)"]
        }
        let p = try ChildAgentProcess(label: "fwdlab agent", argv: args, logPath: logPath(n))
        state.withLockedValue {
            $0.process = p
            $0.incarnations = n
        }
        try await p.waitUntilListening(port: inputPort, seconds: 15)
    }

    func kill() async {
        guard let p = take() else { return }
        await p.kill()
        client.close()
    }

    func stop(drainTimeout: Double) async {
        guard let p = take() else { return }
        await p.terminate(grace: drainTimeout + 10)
        client.close()
    }

    func flush(timeout: Double) async {
        state.withLockedValue { $0.process }?.signal(SIGUSR1)
    }

    func reload() async throws {
        guard let p = state.withLockedValue({ $0.process }), p.isRunning else {
            throw ScenarioRunError.agent("reload: the agent is not running")
        }
        p.signal(SIGHUP)
    }

    func offer(tag: String, entries: ByteBuffer, count: Int) async -> OfferOutcome {
        guard isRunning else { return .agentDown }
        return await client.offer(tag: tag, entries: entries, count: count, agentRunning: { self.isRunning })
    }

    /// Parses every incarnation's `--events` file once.
    var observations: AgentObservations {
        var out = AgentObservations()
        for n in stride(from: 1, through: max(1, incarnations), by: 1) {
            guard let text = try? String(contentsOfFile: eventsPath(n), encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                guard let e = AgentEventEntry(jsonLine: line, clock: clock) else { continue }
                if e.event == "phi_sample" {
                    out.phiSamples.append(e)
                } else {
                    out.events.append(e)
                    if e.event == "chunk_to_secondary" { out.secondaryChunks += 1 }
                }
            }
        }
        return out
    }

    /// The agent's log of every incarnation (its stdout and stderr).
    var logText: String {
        stride(from: 1, through: max(1, incarnations), by: 1)
            .compactMap { try? String(contentsOfFile: logPath($0), encoding: .utf8) }
            .joined(separator: "\n")
    }

    private func take() -> ChildAgentProcess? {
        state.withLockedValue { s in
            let p = s.process
            s.process = nil
            return p
        }
    }
}
