import NIOConcurrencyHelpers

/// Teardown actions of runs in progress, so a SIGINT handler can stop every receiver, agent, capture and
/// nftables table the runs started before the process exits.
public final class CleanupRegistry: Sendable {
    public static let shared = CleanupRegistry()
    private let actions = NIOLockedValueBox<[Int: @Sendable () async -> Void]>([:])
    private let counter = NIOLockedValueBox(0)

    /// Registers `action`; returns a token for `unregister`.
    public func register(_ action: @escaping @Sendable () async -> Void) -> Int {
        let id = counter.withLockedValue { $0 += 1; return $0 }
        actions.withLockedValue { $0[id] = action }
        return id
    }

    public func unregister(_ id: Int) { actions.withLockedValue { _ = $0.removeValue(forKey: id) } }

    /// Runs (and forgets) every registered teardown.
    public func runAll() async {
        let all = actions.withLockedValue { a -> [@Sendable () async -> Void] in
            let v = Array(a.values)
            a.removeAll()
            return v
        }
        for action in all { await action() }
    }
}
