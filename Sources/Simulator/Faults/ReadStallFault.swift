import ForwardServer
import NIOCore

/// `read_stall`: reads normally, then stops reading each connection once it has delivered `after_bytes`
/// bytes (like a receiver whose worker hangs: the kernel keeps the connection and buffers data). The
/// read that crosses the threshold is held, not processed. After `duration` reading resumes.
///
/// Parameters: `after_bytes` (default 0: the first read stalls), `duration` (default: for good).
public struct ReadStallFault: Fault {
    public static let kind = "read_stall"
    public static let summary = "stop reading a connection after N bytes, for a while or for good"

    public var afterBytes: Int
    public var durationNanos: Int64?
    private var seen = ConnectionStateTable<Int>()

    public init(afterBytes: Int = 0, durationNanos: Int64? = nil) {
        self.afterBytes = afterBytes
        self.durationNanos = durationNanos
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        afterBytes = try r.int("after_bytes", default: 0, range: 0 ... Int.max)
        durationNanos = try r.optionalDuration("duration")
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        var p: FaultParameters = ["after_bytes": .number(Double(afterBytes))]
        if let durationNanos { p["duration"] = .string(DurationText.format(durationNanos)) }
        return p
    }

    public mutating func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int, _ context: inout FaultContext) -> ReceiverReadDecision? {
        let before = seen[connection.id, default: 0]
        guard before >= 0 else { return nil } // already stalled once
        let total = before + byteCount
        guard total > afterBytes, context.fires() else {
            seen[connection.id] = total
            return nil
        }
        seen[connection.id] = -1
        return .stall(durationNanos.map { .nanoseconds($0) } ?? NeverReadFault.forever)
    }

    public mutating func connectionClosed(_ connection: ReceiverConnectionInfo) { seen.remove(connection.id) }
}
