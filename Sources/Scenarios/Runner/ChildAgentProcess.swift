import Foundation

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
        FileManager.default.createFile(atPath: logPath, contents: nil)
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

    /// Waits (bounded in real seconds, whatever the run's time scale) until 127.0.0.1:`port` accepts connections;
    /// throws with the log's tail when the process exits first or the time runs out.
    func waitUntilListening(port: Int, seconds: Double) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !process.isRunning {
                throw ScenarioRunError.agent("\(label) exited with status \(process.terminationStatus): \(logText.suffix(2000))")
            }
            if PortAllocator.accepts(port: port) { return }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        throw ScenarioRunError.agent("\(label) did not listen on 127.0.0.1:\(port) within \(Int(seconds)) s: \(logText.suffix(1000))")
    }

    func signal(_ sig: Int32) {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, sig)
    }

    /// kill -9, then wait (bounded) for the kernel to reap it: its sockets are reset by then.
    func kill() async {
        signal(SIGKILL)
        await waitForExit(seconds: 5)
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
