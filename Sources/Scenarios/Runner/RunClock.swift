import Agent
import Simulator

/// The run's one timeline: scenario seconds since the run started, on CLOCK_MONOTONIC, the clock the agent's event
/// records, the ledgers and the fault log all stamp with. With a time scale k (scenario `time_scale`), one scenario
/// second lasts k real seconds: readings divide real elapsed time by k, sleeps multiply by k.
public struct RunClock: Sendable {
    /// Run start, monotonic nanoseconds.
    public let originNanos: UInt64
    /// Run start, wall nanoseconds since the epoch.
    public let originWallNanos: Int64
    /// Real seconds per scenario second (1: unscaled).
    public let scale: Double

    public init(scale: Double = 1) {
        originNanos = MonotonicClock.nowNanos()
        originWallNanos = MonotonicClock.wallNanos()
        self.scale = scale > 0 && scale.isFinite ? scale : 1
    }

    /// Scenario seconds since the start.
    public var now: Double { seconds(monotonicNanos: MonotonicClock.nowNanos()) }

    /// Scenario seconds at a real monotonic reading (ledgers, fault log, receiver observations).
    public func seconds(monotonicNanos n: UInt64) -> Double {
        (n >= originNanos ? Double(n - originNanos) / 1e9 : -Double(originNanos - n) / 1e9) / scale
    }

    /// Scenario seconds at a wall-clock reading (real Fluentd's log times).
    public func seconds(wallNanos n: Int64) -> Double { Double(n - originWallNanos) / 1e9 / scale }

    /// For the agent's records (monotonic seconds of the agent's clock, which `agentClock()` already scales).
    public func seconds(monotonic s: Double) -> Double { s - Double(originNanos) / 1e9 }

    /// Scenario time as the agent's clock: the same origin, readings in scenario seconds.
    public var agentClock: ScaledClock { ScaledClock(originMonotonicNanos: originNanos, originWallNanos: originWallNanos, scale: scale) }

    /// Real seconds that `scenarioSeconds` last.
    public func realSeconds(_ scenarioSeconds: Double) -> Double { scenarioSeconds * scale }

    /// Sleeps until `t` scenario seconds after the start (returns at once when past; cancellation ends it early).
    public func sleep(until t: Double) async {
        let wait = realSeconds(t - now)
        guard wait > 0 else { return }
        try? await Task.sleep(nanoseconds: UInt64(wait * 1e9))
    }
}
