import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Python's fluent-logger as an independent forward-protocol client for interop tests.
public enum PythonFluentLogger {
    /// The first python3 on PATH (or /usr/bin/python3) that can import `fluent.sender`, or nil.
    public static func python() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/python3" } + ["/usr/bin/python3"]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: candidate)
            p.arguments = ["-c", "import fluent.sender"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { continue }
            if waitForExit(p, seconds: 10), p.terminationStatus == 0 { return candidate }
        }
        return nil
    }

    /// What a sender run reported.
    public struct Outcome: Sendable {
        /// The interpreter's exit status (-1 when it was killed for running too long).
        public var exitCode: Int32
        /// Everything it wrote to stderr.
        public var stderr: String
    }

    /// Emits `count` events `{"seq": i, "msg": "hello"}` as `<tag>.<label>` to 127.0.0.1:`port` and closes.
    ///
    /// `nanosecond` selects EventTime (true) or integer seconds (false). The interpreter is killed after
    /// `timeout` seconds, so a stuck peer fails the test instead of hanging it.
    public static func send(
        python: String, port: Int, tag: String, label: String = "test", count: Int,
        nanosecond: Bool = true, timeout: Double = 60
    ) async throws -> Outcome {
        let script = """
        import sys
        from fluent import sender
        s = sender.FluentSender('\(tag)', host='127.0.0.1', port=\(port), nanosecond_precision=\(nanosecond ? "True" : "False"))
        for i in range(\(count)):
            if not s.emit('\(label)', {'seq': i, 'msg': 'hello'}):
                print(s.last_error, file=sys.stderr); sys.exit(1)
        s.close()
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script]
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        try p.run()
        // A watchdog kills the interpreter after `timeout`; the stderr read then ends at EOF.
        DispatchQueue.global().async {
            if !waitForExit(p, seconds: timeout) { kill(p.processIdentifier, SIGKILL) }
        }
        // Block off the cooperative pool: the read returns when the interpreter exits.
        return await withCheckedContinuation { (done: CheckedContinuation<Outcome, Never>) in
            DispatchQueue.global().async {
                let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                _ = waitForExit(p, seconds: 5)
                let killed = !p.isRunning && p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL
                done.resume(returning: Outcome(exitCode: p.isRunning || killed ? -1 : p.terminationStatus,
                                               stderr: killed ? "killed after \(timeout) s\n" + text : text))
            }
        }
    }

    /// Polls until `p` exits or `seconds` pass; true when it exited.
    private static func waitForExit(_ p: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning, Date() < deadline { usleep(5_000) }
        return !p.isRunning
    }
}
