import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Real Fluentd as the oracle: `--no-supervisor` (one process owning the port, so a hostile frame that kills
/// in_forward kills exactly it), `<source> @type forward` on a free loopback port, every event printed by
/// `<match **> @type stdout` into the log file, Fluentd's own log events sent to `@type null`. Events are counted
/// from the log file's event lines (`<date> <time> <zone> <tag>: <record>`). See docs/fidelity-receiver.md.
final class FluentdForwardSide: DifferentialSide {
    let label = "fluentd"
    let installation: FluentdInstallation
    let workdir: String
    let startTimeout: Double
    private var process: Process?
    private var port = 0
    /// Incarnations started (the first start included).
    private(set) var starts = 0
    private var logPath = ""
    private var logOffset: UInt64 = 0
    private var partialLine: [UInt8] = []
    private var pendingTags: [String] = []

    init(installation: FluentdInstallation, workdir: String, startTimeout: Double = 30) {
        self.installation = installation
        self.workdir = workdir
        self.startTimeout = startTimeout
    }

    /// Restarts after a death count (starts minus one).
    var restarts: Int { max(0, starts - 1) }

    static func configuration(port: Int) -> String {
        """
        # Written by fwdlab fidelity-receiver (docs/fidelity-receiver.md).
        <source>
          @type forward
          bind 127.0.0.1
          port \(port)
        </source>
        <label @FLUENT_LOG>
          <match **>
            @type null
          </match>
        </label>
        <match **>
          @type stdout
        </match>

        """
    }

    func ensureRunning() async throws -> Int {
        if let process, process.isRunning { return port }
        process = nil
        let n = starts + 1
        let port = try PortAllocator.freeTCPPort()
        let config = (workdir as NSString).appendingPathComponent("fluentd-\(n).conf")
        let log = (workdir as NSString).appendingPathComponent("fluentd-\(n).log")
        let out = (workdir as NSString).appendingPathComponent("fluentd-\(n).out")
        try Self.configuration(port: port).write(toFile: config, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: installation.command[0])
        p.arguments = Array(installation.command.dropFirst()) + ["-c", config, "--no-supervisor", "-o", log]
        p.environment = ProcessInfo.processInfo.environment.merging(installation.environment) { _, new in new }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw FluentdHostError.startFailed("cannot start Fluentd: \(error)") }
        try? handle.close()
        starts = n
        process = p
        self.port = port
        logPath = log
        logOffset = 0
        partialLine = []
        pendingTags = []
        let deadline = Date().addingTimeInterval(startTimeout)
        while Date() < deadline {
            if !p.isRunning {
                let text = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "") + ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
                throw FluentdHostError.startFailed("Fluentd exited at start-up (status \(p.terminationStatus)): \(text.suffix(1500))")
            }
            if PortAllocator.accepts(port: port) { return port }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        await shutdown()
        throw FluentdHostError.startFailed("Fluentd did not listen on 127.0.0.1:\(port) within \(Int(startTimeout)) s")
    }

    func isAlive() -> Bool { process?.isRunning ?? false }

    /// Waits (bounded) for the process to exit; true when it did.
    func waitForExit(timeout: Double) async -> Bool {
        guard let p = process else { return true }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning, Date() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
        return !p.isRunning
    }

    func events(untilSentinel sentinelTag: String, timeout: Double) async -> [String]? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            readLog()
            if let i = pendingTags.firstIndex(of: sentinelTag) {
                let before = pendingTags[..<i].filter { !Self.isHarnessTag($0) }
                pendingTags.removeSubrange(...i)
                return before
            }
            if Date() >= deadline { return nil }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
    }

    /// Events with the probe's or a sentinel's tag are the harness's own.
    static func isHarnessTag(_ tag: String) -> Bool { tag.hasPrefix("fwdlab.fidelity.") }

    /// Appends the tags of event lines written since the last read.
    private func readLog() {
        guard let h = FileHandle(forReadingAtPath: logPath) else { return }
        defer { try? h.close() }
        do { try h.seek(toOffset: logOffset) } catch { return }
        let data = h.readDataToEndOfFile()
        logOffset += UInt64(data.count)
        partialLine += data
        while let nl = partialLine.firstIndex(of: 0x0a) {
            let line = String(decoding: partialLine[..<nl], as: UTF8.self)
            partialLine.removeSubrange(...nl)
            if let tag = Self.eventTag(inLogLine: line) { pendingTags.append(tag) }
        }
    }

    /// The tag of an out_stdout event line (`<date> <time> <zone> <tag>: <record>`), nil for Fluentd's own log
    /// lines (`... +0000 [info]: ...`) and continuation lines. The tag runs to the first `": "`, so a non-string tag
    /// printed with spaces (`[1, "a", nil]`) is read whole; a tag that itself contains `": "` would be cut short.
    static func eventTag(inLogLine line: String) -> String? {
        let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let date = parts[0]
        guard date.count == 10, date.dropFirst(4).first == "-", date.prefix(4).allSatisfy(\.isNumber) else { return nil }
        guard parts[2].first == "+" || parts[2].first == "-" else { return nil }
        let rest = parts[3]
        for level in ["trace", "debug", "info", "warn", "error", "fatal"] where rest.hasPrefix("[\(level)]:") { return nil }
        guard let colon = rest.firstRange(of: ": ") else { return rest.hasSuffix(":") ? String(rest.dropLast()) : nil }
        return String(rest[..<colon.lowerBound])
    }

    /// The log of the current incarnation (for failure messages).
    var logTail: String { String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(2000)) }

    func shutdown() async {
        guard let p = process else { return }
        process = nil
        if p.isRunning { kill(p.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(8)
        while p.isRunning, Date() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            let hard = Date().addingTimeInterval(3)
            while p.isRunning, Date() < hard { try? await Task.sleep(nanoseconds: 20_000_000) }
        }
    }
}
