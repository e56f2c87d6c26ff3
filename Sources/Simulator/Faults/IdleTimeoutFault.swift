import ForwardServer
import NIOCore

/// `idle_timeout`: a middlebox (NAT, load balancer, firewall) between agent and receiver that forgets
/// connections idle for longer than `idle`. Idle means no bytes in either direction (reads, HELO/PONG,
/// acks); each connection has its own timer, restarted by every byte, and the fault acts when it fires:
///
/// Parameters: `idle` — the timeout (default 30s); `mode`:
/// * `rst` (default) — the connection is reset when the timer fires (the agent's next read or write fails);
/// * `fin` — the connection is closed with FIN when the timer fires (proxy style);
/// * `blackhole` — from then on everything is silently dropped both ways (Azure LB / conntrack expiry):
///   bytes are thrown away unread, nothing the receiver writes arrives; the agent only notices by its
///   ack timeout.
///
/// A connection already open when the fault is installed starts its timer at its next byte.
public struct IdleTimeoutFault: Fault {
    public static let kind = "idle_timeout"
    public static let summary = "middlebox idle timeout: RST, FIN or silent blackhole after N s without traffic"

    /// What happens to an expired connection.
    public enum Mode: String, Sendable, CaseIterable { case rst, fin, blackhole }

    public var idleNanos: Int64
    public var mode: Mode

    public init(idleNanos: Int64, mode: Mode = .rst) {
        self.idleNanos = idleNanos
        self.mode = mode
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        idleNanos = try r.duration("idle", default: 30_000_000_000)
        guard idleNanos > 0 else { throw r.invalid("idle", "must be > 0") }
        mode = Mode(rawValue: try r.string("mode", default: "rst", allowed: Mode.allCases.map(\.rawValue)))!
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters { ["idle": .string(DurationText.format(idleNanos)), "mode": .string(mode.rawValue)] }

    public func idleTimeout(_ connection: ReceiverConnectionInfo) -> TimeAmount? { .nanoseconds(idleNanos) }

    /// The idle timer runs on the receiver's real clock: it stretches.
    public func stretched(by k: Double) -> Self { Self(idleNanos: DurationText.stretch(idleNanos, by: k), mode: mode) }

    public mutating func onIdle(_ connection: ReceiverConnectionInfo, idleNanos idle: Int64,
                                _ context: inout FaultContext) -> ReceiverIdleDecision? {
        // Another fault's shorter timer may have fired first.
        guard idle >= idleNanos, context.fires() else { return nil }
        context.note = "idle \(DurationText.format(idle)) ≥ \(DurationText.format(idleNanos))"
        switch mode {
        case .rst: return .reset
        case .fin: return .close
        case .blackhole: return .blackhole
        }
    }
}
