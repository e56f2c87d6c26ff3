import ForwardServer
import NIOCore

/// `helo_split`: sends the HELO (or the PONG) in several TCP segments with a pause between them, so the
/// client must reassemble a handshake message that arrives in pieces (a read returning half a HELO is
/// not an error). The bytes are the real message, cut into `segments` nearly equal pieces (one byte
/// each at most).
///
/// Parameters: `segments` — number of pieces, 2–64 (default 2); `delay` — pause before each further
/// piece (default 100ms); `message` — `helo` (default) or `pong`.
public struct HeloSplitFault: Fault {
    public static let kind = "helo_split"
    public static let summary = "send the HELO (or PONG) in N TCP segments with a delay between them"

    public var segments: Int
    public var delayNanos: Int64
    public var splitsPong: Bool

    public init(segments: Int = 2, delayNanos: Int64 = 100_000_000, splitsPong: Bool = false) {
        self.segments = segments
        self.delayNanos = delayNanos
        self.splitsPong = splitsPong
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        segments = try r.int("segments", default: 2, range: 2 ... 64)
        delayNanos = try r.duration("delay", default: 100_000_000)
        splitsPong = try r.string("message", default: "helo", allowed: ["helo", "pong"]) == "pong"
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        ["segments": .number(Double(segments)), "delay": .string(DurationText.format(delayNanos)),
         "message": .string(splitsPong ? "pong" : "helo")]
    }

    public mutating func onHandshake(_ connection: ReceiverConnectionInfo, step: ReceiverHandshakeStep,
                                     _ context: inout FaultContext) -> ReceiverHandshakeDecision? {
        switch step {
        case .helo where !splitsPong: break
        case .pong where splitsPong: break
        default: return nil
        }
        guard context.fires() else { return nil }
        return .split(segments: segments, delay: .nanoseconds(delayNanos))
    }
}
