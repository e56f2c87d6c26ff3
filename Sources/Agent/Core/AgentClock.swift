import Foundation

/// Time as Double seconds: wall time is seconds since the Unix epoch, monotonic time has an arbitrary origin.
public typealias AgentSeconds = Double

/// A source of time for the sans-I/O core: Fluentd's detector and DNS expiry read the wall clock
/// (`Time.now.to_f`, quirk 3 (docs/quirks.md)) while ack deadlines read a monotonic clock (`Fluent::Clock.now`).
public protocol AgentClock: Sendable {
    /// Wall-clock seconds since the Unix epoch (may step backwards or forwards).
    var now: AgentSeconds { get }
    /// Monotonic seconds; never steps.
    var monotonicNow: AgentSeconds { get }
}

/// The real clocks.
public struct SystemClock: AgentClock {
    public init() {}
    public var now: AgentSeconds { Date().timeIntervalSince1970 }
    public var monotonicNow: AgentSeconds {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A manually driven clock for tests and the virtual-time tuning engine.
///
/// `@unchecked Sendable` is safe: both readings live behind `lock`, and the class has no other state.
/// It is a class so the core and its driver share one timeline without threading a value through.
public final class VirtualClock: AgentClock, @unchecked Sendable {
    private let lock = NSLock()
    private var wall: AgentSeconds
    private var mono: AgentSeconds

    /// Starts at `wall` seconds since the epoch and monotonic time `monotonic`.
    public init(wall: AgentSeconds = 1_700_000_000, monotonic: AgentSeconds = 1_000) {
        self.wall = wall
        self.mono = monotonic
    }

    public var now: AgentSeconds { lock.withLock { wall } }
    public var monotonicNow: AgentSeconds { lock.withLock { mono } }

    /// Moves both clocks forward by `seconds` (negative or non-finite values are ignored).
    public func advance(by seconds: AgentSeconds) {
        guard seconds.isFinite, seconds > 0 else { return }
        lock.withLock {
            wall += seconds
            mono += seconds
        }
    }

    /// Sets the wall clock to `wall` and moves monotonic time by the same amount when that is forward.
    public func set(wall newWall: AgentSeconds) {
        guard newWall.isFinite else { return }
        lock.withLock {
            let delta = newWall - wall
            if delta > 0 { mono += delta }
            wall = newWall
        }
    }

    /// Steps only the wall clock (an NTP step), to reproduce quirk 3; monotonic time is unchanged.
    public func stepWall(by seconds: AgentSeconds) {
        guard seconds.isFinite else { return }
        lock.withLock { wall += seconds }
    }
}
