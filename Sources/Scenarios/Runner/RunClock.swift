import Simulator

/// The run's one timeline: seconds since the run started on CLOCK_MONOTONIC, the clock the agent's event
/// records, the ledgers and the fault log all stamp with.
public struct RunClock: Sendable {
    /// Run start, monotonic nanoseconds.
    public let originNanos: UInt64
    /// Run start, wall nanoseconds since the epoch.
    public let originWallNanos: Int64

    public init() {
        originNanos = MonotonicClock.nowNanos()
        originWallNanos = MonotonicClock.wallNanos()
    }

    /// Seconds since the start.
    public var now: Double { seconds(monotonicNanos: MonotonicClock.nowNanos()) }

    public func seconds(monotonicNanos n: UInt64) -> Double {
        n >= originNanos ? Double(n - originNanos) / 1e9 : -Double(originNanos - n) / 1e9
    }

    /// For the agent's records (monotonic seconds).
    public func seconds(monotonic s: Double) -> Double { s - Double(originNanos) / 1e9 }

    /// Sleeps until `t` seconds after the start (returns at once when past; cancellation ends it early).
    public func sleep(until t: Double) async {
        let wait = t - now
        guard wait > 0 else { return }
        try? await Task.sleep(nanoseconds: UInt64(wait * 1e9))
    }
}
