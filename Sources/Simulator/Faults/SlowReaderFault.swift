import ForwardServer
import NIOCore

/// `slow_reader`: caps how fast each connection is read (bytes per second), like a receiver that cannot
/// keep up. After each read the connection stops reading until the bytes it got are "paid for" at the
/// rate, so TCP flow control slows the sender down to the cap.
///
/// Parameters: `rate` — bytes per second (required); `burst` — bytes allowed without delay at the start
/// of a connection (default 0).
public struct SlowReaderFault: Fault {
    public static let kind = "slow_reader"
    public static let summary = "read each connection at most at a given rate (bytes/s)"

    public var bytesPerSecond: Double
    public var burst: Int
    /// Monotonic time at which each connection's already-read bytes are paid for.
    private var paidUntil = ConnectionStateTable<UInt64>()

    public init(bytesPerSecond: Double, burst: Int = 0) {
        self.bytesPerSecond = bytesPerSecond
        self.burst = burst
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        bytesPerSecond = try r.double("rate")
        guard bytesPerSecond >= 1 else { throw r.invalid("rate", "must be ≥ 1 byte/s") }
        burst = try r.int("burst", default: 0, range: 0 ... Int.max)
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters { ["rate": .number(bytesPerSecond), "burst": .number(Double(burst))] }

    private mutating func pay(_ id: Int, bytes: Int, now: UInt64) -> UInt64 {
        let burstCredit = UInt64(Double(burst) / bytesPerSecond * 1e9)
        let start = max(now, paidUntil[id] ?? (now &- min(now, burstCredit)))
        let until = start + UInt64(Double(bytes) / bytesPerSecond * 1e9)
        paidUntil[id] = until
        return until
    }

    public mutating func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int, _ context: inout FaultContext) -> ReceiverReadDecision? {
        let until = pay(connection.id, bytes: byteCount, now: context.nowNanos)
        guard until > context.nowNanos, context.fires() else { return nil }
        return .stall(.nanoseconds(Int64(until - context.nowNanos)))
    }

    /// Bytes that arrived while the connection was stalled still cost time.
    public mutating func heldRead(_ connection: ReceiverConnectionInfo, byteCount: Int, nowNanos: UInt64) {
        _ = pay(connection.id, bytes: byteCount, now: nowNanos)
    }

    /// Keeps held bytes until they are paid for.
    public mutating func extendStall(_ connection: ReceiverConnectionInfo, nowNanos: UInt64) -> TimeAmount? {
        guard let until = paidUntil[connection.id], until > nowNanos else { return nil }
        return .nanoseconds(Int64(until - nowNanos))
    }

    public mutating func connectionClosed(_ connection: ReceiverConnectionInfo) { paidUntil.remove(connection.id) }
}
