import ForwardServer
import NIOConcurrencyHelpers

/// Every applied fault of a run, in order, with both clocks, so reports can draw fault bands.
/// Shared by all receivers of a simulation; bounded (oldest entries are discarded past `capacity`,
/// but indexes keep counting so `since` queries stay valid).
public final class FaultLog: Sendable {
    private struct State {
        var entries: [FaultLogEntry] = []
        var firstIndex = 0
        var nextIndex = 0
        var counts: [String: Int] = [:]
    }

    /// Entries kept in memory.
    public let capacity: Int
    private let state = NIOLockedValueBox(State())

    public init(capacity: Int = 200_000) {
        self.capacity = max(16, capacity)
    }

    /// Appends one entry (index and clocks are filled in here).
    @discardableResult
    func append(receiver: String, fault: String, kind: String, hook: String, target: String, decision: String,
                note: String?, monotonicNanos: UInt64 = MonotonicClock.nowNanos()) -> Int {
        let wall = MonotonicClock.wallNanos()
        return state.withLockedValue { s in
            let index = s.nextIndex
            s.nextIndex += 1
            s.entries.append(FaultLogEntry(index: index, monotonicNanos: monotonicNanos, wallNanos: wall, receiver: receiver,
                                           fault: fault, kind: kind, hook: hook, target: target, decision: decision, note: note))
            s.counts["\(receiver)/\(fault)", default: 0] += 1
            if s.entries.count > capacity {
                // Drop a tenth at once so trimming stays amortised O(1).
                let drop = capacity / 10
                s.entries.removeFirst(drop)
                s.firstIndex += drop
            }
            return index
        }
    }

    /// Entries with `index >= since` (at most `limit`).
    public func entries(since: Int = 0, limit: Int = .max) -> [FaultLogEntry] {
        state.withLockedValue { s in
            let start = max(0, since - s.firstIndex)
            guard start < s.entries.count else { return [] }
            return Array(s.entries[start ..< min(s.entries.count, start + max(0, limit))])
        }
    }

    /// Index the next entry will get (= total entries ever appended).
    public var nextIndex: Int { state.withLockedValue { $0.nextIndex } }

    /// Applications per `receiver/fault`.
    public func counts() -> [String: Int] { state.withLockedValue { $0.counts } }

    /// Forgets everything (indexes restart at 0).
    public func clear() { state.withLockedValue { $0 = State() } }
}
