import Foundation
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One incarnation of an agent running as a child process (`fwdlab agent` or real Fluentd): started with its output
/// in a log file, ready when its forward input accepts connections, stopped by real signals.
final class ChildAgentProcess: Sendable {
    let label: String
    let logPath: String
    private let process: Process

    /// Starts `argv` with `environment` added to the inherited one; stdout and stderr go to `logPath`.
    init(label: String, argv: [String], environment: [String: String] = [:], logPath: String) throws {
        self.label = label
        self.logPath = logPath
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else {
            throw ScenarioRunError.agent("cannot create the log file \(logPath) for \(label)")
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw ScenarioRunError.agent("cannot start \(label) (\(argv[0])): \(error)") }
        process = p
    }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }
    var logText: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// What explains a failed start: the first error line of the log (Fluentd prints its backtrace after it), else
    /// the log's tail.
    var failureSummary: String {
        let text = logText
        if let line = text.split(separator: "\n").first(where: { $0.contains("[error]") || $0.contains("[fatal]") || $0.contains("Error:") }) {
            return String(line.prefix(600)) + " (log: \(logPath))"
        }
        return String(text.suffix(1000)) + " (log: \(logPath))"
    }

    /// Waits (bounded in real seconds, whatever the run's time scale) until 127.0.0.1:`port` accepts connections;
    /// throws with the log's tail when the process exits first or the time runs out.
    func waitUntilListening(port: Int, seconds: Double, host: String = "127.0.0.1") async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !process.isRunning {
                throw ScenarioRunError.agent("\(label) exited with status \(process.terminationStatus): \(failureSummary)")
            }
            if PortAllocator.accepts(port: port, host: host) { return }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        throw ScenarioRunError.agent("\(label) did not listen on \(host):\(port) within \(Int(seconds)) s: \(failureSummary)")
    }

    func signal(_ sig: Int32) {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, sig)
    }

    /// kill -9 of the process and of every process it started (a supervised Fluentd's worker owns the sockets),
    /// then wait (bounded) for the kernel to reap it: its sockets are reset by then.
    func kill() async {
        let family = process.isRunning ? Self.descendants(of: process.processIdentifier) : []
        signal(SIGKILL)
        for pid in family { _ = Glibc.kill(pid, SIGKILL) }
        await waitForExit(seconds: 5)
    }

    /// Every live descendant of `root`, read from /proc (children before grandchildren).
    static func descendants(of root: Int32) -> [Int32] {
        var parent: [Int32: Int32] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // Fields after "(comm)": state, ppid, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = Int32(fields[1]) { parent[pid] = ppid }
        }
        var out: [Int32] = []
        var frontier = [root]
        while !frontier.isEmpty {
            let next = parent.filter { frontier.contains($0.value) }.map(\.key).sorted()
            out += next
            frontier = next
        }
        return out
    }

    /// SIGTERM, up to `grace` seconds for a graceful exit, then SIGKILL.
    func terminate(grace: Double) async {
        signal(SIGTERM)
        await waitForExit(seconds: grace)
        if process.isRunning { await kill() }
    }

    func waitForExit(seconds: Double) async {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
    }
}

/// The incarnations of an agent that runs as a child process and takes its load through a forward input: what
/// `AgentProcessHost` (the Swift agent) and `FluentdAgentHost` (real Fluentd) share. Each incarnation logs to its
/// own file (`logPath(n)`); kill, stop and the control signals go to the current one.
final class ChildAgentIncarnations: Sendable {
    let label: String
    let inputPort: Int
    private let logPathFor: @Sendable (Int) -> String
    private let client: ForwardInputClient
    private struct State {
        var process: ChildAgentProcess?
        var count = 0
    }
    private let state = NIOLockedValueBox(State())

    init(label: String, inputPort: Int, logPath: @escaping @Sendable (Int) -> String) {
        self.label = label
        self.inputPort = inputPort
        logPathFor = logPath
        client = ForwardInputClient(port: inputPort)
    }

    var isRunning: Bool { state.withLockedValue { $0.process?.isRunning ?? false } }
    /// Incarnations started so far (1-based numbers of the log files).
    var count: Int { state.withLockedValue { $0.count } }
    func logPath(_ n: Int) -> String { logPathFor(n) }

    /// Starts incarnation n + 1 (`argv(n + 1)`) and waits, bounded in real seconds, until its input listens.
    func start(argv: (Int) -> [String], environment: [String: String] = [:], readySeconds: Double) async throws {
        let n = count + 1
        let p = try ChildAgentProcess(label: label, argv: argv(n), environment: environment, logPath: logPath(n))
        state.withLockedValue {
            $0.process = p
            $0.count = n
        }
        try await p.waitUntilListening(port: inputPort, seconds: readySeconds)
    }

    /// kill -9 of the current incarnation (its sockets reset by the kernel).
    func kill() async {
        guard let p = take() else { return }
        await p.kill()
        client.close()
    }

    /// SIGTERM, `grace` seconds for a graceful exit, then SIGKILL.
    func stop(grace: Double) async {
        guard let p = take() else { return }
        await p.terminate(grace: grace)
        client.close()
    }

    /// A signal to the current incarnation; with `required`, an error when none is running.
    func signal(_ sig: Int32, required what: String? = nil) throws {
        guard let p = state.withLockedValue({ $0.process }), p.isRunning else {
            if let what { throw ScenarioRunError.agent("\(what): \(label) is not running") }
            return
        }
        p.signal(sig)
    }

    /// One offer through the forward input (acked: accepted; closed without an ack while running: refused).
    func offer(tag: String, entries: ByteBuffer, count: Int) async -> OfferOutcome {
        guard isRunning else { return .agentDown }
        return await client.offer(tag: tag, entries: entries, count: count, agentRunning: { self.isRunning })
    }

    /// The text of every incarnation's log file, oldest first (nil entries for files that are missing).
    var logs: [String?] {
        stride(from: 1, through: max(1, count), by: 1).map { try? String(contentsOfFile: logPath($0), encoding: .utf8) }
    }

    private func take() -> ChildAgentProcess? {
        state.withLockedValue { s in
            let p = s.process
            s.process = nil
            return p
        }
    }
}
