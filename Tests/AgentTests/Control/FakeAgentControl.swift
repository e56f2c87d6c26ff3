import Agent
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Records control calls and lets tests await them (bounded), optionally failing on demand.
final class FakeAgentControl: AgentControl {
    enum Call: Hashable, Sendable {
        case flush, reload, gracefulReload, stop, dump
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String { "injected failure" }
    }

    private let state = NIOLockedValueBox<(calls: [Call], failFlush: Bool, lastConfig: AgentConfiguration?)>(([], false, nil))
    let dumpText: String
    /// While true, `flush()` does not return (a destination that never answers); `release()` ends it.
    private let holding: NIOLockedValueBox<Bool>
    /// While true, `reload()` does not return (a swap still in progress); `release()` ends it.
    private let holdingReload: NIOLockedValueBox<Bool>

    init(dumpText: String = "<system>\n  log_level info\n</system>\n", failFlush: Bool = false, holdFlush: Bool = false,
         holdReload: Bool = false) {
        self.dumpText = dumpText
        (stream, continuation) = AsyncStream.makeStream(of: Call.self)
        holding = NIOLockedValueBox(holdFlush)
        holdingReload = NIOLockedValueBox(holdReload)
        state.withLockedValue { $0.failFlush = failFlush }
    }

    /// Lets held flushes and reloads return.
    func release() {
        holding.withLockedValue { $0 = false }
        holdingReload.withLockedValue { $0 = false }
    }

    /// The calls once there are at least `n` of them, polling every 10 ms for at most `timeout` seconds.
    func calls(atLeast n: Int, timeout: Double = 5) async -> [Call] {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while calls.count < n, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return calls
    }

    var calls: [Call] { state.withLockedValue { $0.calls } }
    var lastConfiguration: AgentConfiguration? { state.withLockedValue { $0.lastConfig } }

    func flush() async throws {
        let fail = state.withLockedValue { s -> Bool in
            s.calls.append(.flush)
            continuation.yield(.flush)
            return s.failFlush
        }
        // Held: poll the flag (bounded at 30 s, the agent's old drain bound) like a flush waiting on a dead node.
        for _ in 0..<3000 where holding.withLockedValue({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
        if fail { throw Failure() }
    }

    func reload(_ configuration: AgentConfiguration) async throws {
        state.withLockedValue {
            $0.calls.append(.reload)
            continuation.yield(.reload)
            $0.lastConfig = configuration
        }
        for _ in 0..<3000 where holdingReload.withLockedValue({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    func gracefulReload(_ configuration: AgentConfiguration) async throws {
        state.withLockedValue {
            $0.calls.append(.gracefulReload)
            continuation.yield(.gracefulReload)
            $0.lastConfig = configuration
        }
    }

    func stop() async throws {
        state.withLockedValue { $0.calls.append(.stop) }
        continuation.yield(.stop)
    }

    func dumpConfig() async -> String {
        state.withLockedValue { $0.calls.append(.dump) }
        continuation.yield(.dump)
        return dumpText
    }

    /// Every call, in order, as a stream (each call is also kept in `calls`).
    let stream: AsyncStream<Call>
    private let continuation: AsyncStream<Call>.Continuation

    /// The next call, or nil when none arrives within `timeout` seconds (the timeout only bounds a failure).
    func nextCall(timeout: Double = 5) async -> Call? {
        let stream = self.stream
        return await withTaskGroup(of: Call?.self) { group in
            group.addTask {
                var it = stream.makeAsyncIterator()
                return await it.next()
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
