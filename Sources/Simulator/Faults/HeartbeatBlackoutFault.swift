import ForwardServer
import NIOCore

/// `heartbeat_blackout`: no UDP heartbeat is answered during blackout windows.
///
/// Parameters: `offset` — start of the first window after the fault becomes active (default 0);
/// `length` — window length (default 5s); `period` — windows repeat every `period` (default: once).
/// Combine with `start_after`/`duration` on the fault itself for a one-off outage.
public struct HeartbeatBlackoutFault: Fault {
    public static let kind = "heartbeat_blackout"
    public static let summary = "drop every heartbeat inside (optionally periodic) blackout windows"

    public var offsetNanos: Int64
    public var lengthNanos: Int64
    public var periodNanos: Int64?

    public init(offsetNanos: Int64 = 0, lengthNanos: Int64, periodNanos: Int64? = nil) {
        self.offsetNanos = offsetNanos
        self.lengthNanos = lengthNanos
        self.periodNanos = periodNanos
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        offsetNanos = try r.duration("offset", default: 0)
        lengthNanos = try r.duration("length", default: 5_000_000_000)
        periodNanos = try r.optionalDuration("period")
        if let period = periodNanos, period <= lengthNanos { throw r.invalid("period", "must be longer than length") }
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        var p: FaultParameters = ["offset": .string(DurationText.format(offsetNanos)), "length": .string(DurationText.format(lengthNanos))]
        if let periodNanos { p["period"] = .string(DurationText.format(periodNanos)) }
        return p
    }

    /// Windows measured on the engine's clock: offset, length and period all stretch.
    public func stretched(by k: Double) -> Self {
        Self(offsetNanos: DurationText.stretch(offsetNanos, by: k), lengthNanos: DurationText.stretch(lengthNanos, by: k),
             periodNanos: periodNanos.map { DurationText.stretch($0, by: k) })
    }

    /// Whether `elapsed` nanoseconds after activation fall inside a window.
    public func inBlackout(elapsedNanos elapsed: UInt64) -> Bool {
        let t = Int64(clamping: elapsed) - offsetNanos
        guard t >= 0 else { return false }
        if let period = periodNanos { return t % period < lengthNanos }
        return t < lengthNanos
    }

    public mutating func onHeartbeat(from peer: SocketAddress, byteCount: Int, _ context: inout FaultContext) -> ReceiverHeartbeatDecision? {
        guard inBlackout(elapsedNanos: context.elapsedNanos), context.fires() else { return nil }
        return .drop
    }
}
