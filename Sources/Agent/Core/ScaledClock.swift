import ForwardServer

/// The real clocks slowed (or sped up) by a time scale around an origin: one second of this clock lasts `scale`
/// real seconds. The scenario runner gives it to the agent for `time_scale` runs, in-process or, through
/// `fwdlab agent --time-scale`, in a child process: CLOCK_MONOTONIC is shared by every process on the host, so both
/// sides agree on the origin and on every reading.
public struct ScaledClock: AgentClock {
    /// The origin, CLOCK_MONOTONIC nanoseconds; readings at the origin equal the real ones.
    public let originMonotonicNanos: UInt64
    /// The wall time at the origin, nanoseconds since the epoch.
    public let originWallNanos: Int64
    /// Real seconds per second of this clock.
    public let scale: Double

    public init(originMonotonicNanos: UInt64, originWallNanos: Int64, scale: Double) {
        self.originMonotonicNanos = originMonotonicNanos
        self.originWallNanos = originWallNanos
        self.scale = scale > 0 && scale.isFinite ? scale : 1
    }

    /// Scaled seconds since the origin (negative before it).
    private var elapsed: Double {
        let now = MonotonicClock.nowNanos()
        let real = now >= originMonotonicNanos ? Double(now - originMonotonicNanos) : -Double(originMonotonicNanos - now)
        return real / 1e9 / scale
    }

    public var monotonicNow: AgentSeconds { Double(originMonotonicNanos) / 1e9 + elapsed }
    public var now: AgentSeconds { Double(originWallNanos) / 1e9 + elapsed }
}
