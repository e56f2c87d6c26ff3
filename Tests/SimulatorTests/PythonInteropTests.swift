import Foundation
import Simulator
import Testing

@Suite("Receiver: interop with Python fluent-logger")
struct PythonInteropTests {
    /// The first python3 that can import fluent.sender, or nil.
    static func python() -> String? {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" } + ["/usr/bin/python3"]
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = ["-c", "import fluent.sender"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { continue }
            p.waitUntilExit()
            if p.terminationStatus == 0 { return path }
        }
        return nil
    }

    @Test("fluent-logger sends N events (Message mode, EventTime); every seq shows up",
          arguments: [false, true])
    func fluentLogger(nanosecond: Bool) async throws {
        guard let python = Self.python() else {
            print("SKIPPED: no python3 with the fluent-logger module (pip install fluent-logger)")
            return
        }
        let n = 500
        try await withReceiver { receiver in
            let script = """
            import sys
            from fluent import sender
            s = sender.FluentSender('py', host='127.0.0.1', port=\(receiver.port), nanosecond_precision=\(nanosecond ? "True" : "False"))
            for i in range(\(n)):
                if not s.emit('interop', {'seq': i, 'msg': 'hello'}):
                    print(s.last_error, file=sys.stderr); sys.exit(1)
            s.close()
            """
            let p = Process()
            p.executableURL = URL(fileURLWithPath: python)
            p.arguments = ["-c", script]
            let err = Pipe()
            p.standardError = err
            try p.run()
            let finished = await receiver.ledger.wait(forEvents: n, timeout: .seconds(20))
            p.waitUntilExit()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationStatus == 0, "\(stderr)")
            #expect(finished)
            let ledger = receiver.ledger
            #expect(ledger.missingSequences(in: 0 ... Int64(n - 1)).isEmpty)
            #expect(ledger.duplicateSequences().isEmpty)
            let first = try #require(ledger.events().first)
            #expect(first.tag == "py.interop" && first.mode == .message)
            if nanosecond {
                guard case .eventTime = first.time else { Issue.record("expected EventTime, got \(first.time)"); return }
            } else {
                guard case .integer = first.time else { Issue.record("expected integer time, got \(first.time)"); return }
            }
        }
    }
}
