import NIOCore

/// `idle_timeout`: a middlebox (NAT, load balancer, firewall) between agent and receiver that forgets
/// connections idle for longer than `idle`. Idle means no bytes in either direction (reads and acks).
///
/// Parameters: `idle` — the timeout (default 30s); `mode`:
/// * `rst` (default) — the next packet after the timeout is answered with a reset (AWS NLB style);
/// * `fin` — the connection is closed with FIN at the first activity after the timeout (proxy style);
/// * `blackhole` — from then on everything is silently dropped both ways (Azure LB / conntrack expiry):
///   bytes are discarded unread, no ack is ever written; the agent only notices by its ack timeout.
public struct IdleTimeoutFault: Fault {
    public static let kind = "idle_timeout"
    public static let summary = "middlebox idle timeout: RST, FIN or silent blackhole after N s without traffic"

    /// What happens to an expired connection.
    public enum Mode: String, Sendable, CaseIterable { case rst, fin, blackhole }

    public var idleNanos: Int64
    public var mode: Mode
    private struct Conn: Sendable { var lastActivity: UInt64; var blackholed = false }
    private var conns = ConnectionStateTable<Conn>()

    public init(idleNanos: Int64, mode: Mode = .rst) {
        self.idleNanos = idleNanos
        self.mode = mode
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        idleNanos = try r.duration("idle", default: 30_000_000_000)
        mode = Mode(rawValue: try r.string("mode", default: "rst", allowed: Mode.allCases.map(\.rawValue)))!
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters { ["idle": .string(FaultDuration.format(idleNanos)), "mode": .string(mode.rawValue)] }

    /// Whether the connection expired; marks activity otherwise.
    private mutating func expired(_ id: Int, _ context: inout FaultContext) -> Bool {
        let now = context.nowNanos
        var c = conns[id, default: Conn(lastActivity: now)]
        if c.blackholed { return true }
        if now - min(now, c.lastActivity) > UInt64(idleNanos), context.fires() {
            context.note = "idle \(FaultDuration.format(Int64(now - c.lastActivity))) > \(FaultDuration.format(idleNanos))"
            if mode == .blackhole { c.blackholed = true; conns[id] = c }
            return true
        }
        c.lastActivity = now
        conns[id] = c
        return false
    }

    public mutating func onAccept(_ connection: ReceiverConnectionInfo, _ context: inout FaultContext) -> ReceiverAcceptDecision? {
        conns[connection.id] = Conn(lastActivity: context.nowNanos)
        return nil
    }

    public mutating func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int, _ context: inout FaultContext) -> ReceiverReadDecision? {
        guard expired(connection.id, &context) else { return nil }
        switch mode {
        case .rst: conns.remove(connection.id); return .reset
        case .fin: conns.remove(connection.id); return .close
        case .blackhole: return .discard
        }
    }

    public mutating func beforeAck(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverAckDecision? {
        // An ack is activity too; on a blackholed connection it never gets through.
        guard conns[request.connection.id]?.blackholed == true else {
            if var c = conns[request.connection.id] { c.lastActivity = context.nowNanos; conns[request.connection.id] = c }
            return nil
        }
        return .drop
    }

    public mutating func connectionClosed(_ connection: ReceiverConnectionInfo) { conns.remove(connection.id) }
}
