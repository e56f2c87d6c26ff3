import ForwardLabTestSupport
import ForwardServer
import Foundation
import Simulator
import Testing

@Suite("Receiver: interop with Python fluent-logger")
struct PythonInteropTests {
    @Test("fluent-logger sends N events (Message mode, EventTime); every seq shows up",
          arguments: [false, true])
    func fluentLogger(nanosecond: Bool) async throws {
        guard let python = PythonFluentLogger.python() else {
            Issue.record("no python3 with the fluent-logger module (tools/setup.sh installs it)")
            return
        }
        let n = 500
        try await withReceiver { receiver in
            let outcome = try await PythonFluentLogger.send(
                python: python, port: receiver.port, tag: "py", label: "interop", count: n, nanosecond: nanosecond)
            #expect(outcome.exitCode == 0, "\(outcome.stderr)")
            #expect(await receiver.ledger.wait(forEvents: n, timeout: .seconds(20)))
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
