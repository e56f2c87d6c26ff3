import Agent
import ForwardServer
import NIOConcurrencyHelpers
import Simulator

/// The run's one timeline: scenario seconds since the run started, on CLOCK_MONOTONIC, the clock the agent's event
/// records, the ledgers and the fault log all stamp with. With a time scale k (scenario `time_scale`), one scenario
/// second lasts k real seconds: readings divide real elapsed time by k, sleeps multiply by k.
public struct RunClock: Sendable {
    /// The origin, shared by every copy of this clock so that `startNow()` moves it for all of them.
    private final class Origin: Sendable {
        let value: NIOLockedValueBox<(mono: UInt64, wall: Int64)>
        init() { value = NIOLockedValueBox((MonotonicClock.nowNanos(), MonotonicClock.wallNanos())) }
    }
    private let origin = Origin()

    /// Run start, monotonic nanoseconds.
    public var originNanos: UInt64 { origin.value.withLockedValue { $0.mono } }
    /// Run start, wall nanoseconds since the epoch.
    public var originWallNanos: Int64 { origin.value.withLockedValue { $0.wall } }
    /// Real seconds per scenario second (1: unscaled).
    public let scale: Double

    public init(scale: Double = 1) {
        self.scale = scale > 0 && scale.isFinite ? scale : 1
    }

    /// Moves t = 0 to now, for every copy: the runner calls it once the agent under test is ready, so an agent that
    /// takes a second to start (real Fluentd on Ruby) gets the same warm-up before the first fault as one that starts
    /// in milliseconds. Unscaled runs only: a scaled agent clock has the origin built in.
    public func startNow() {
        precondition(scale == 1, "a scaled run's agent clock carries the origin")
        origin.value.withLockedValue { $0 = (MonotonicClock.nowNanos(), MonotonicClock.wallNanos()) }
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
