import ForwardProtocol
import ForwardServer
import NIOCore

/// `shared_key_mismatch`: answers a valid PING with a failing PONG
/// (`["PONG", false, "shared_key mismatch", "", ""]`), as in_forward does when the keys differ, so the
/// agent's handshake fails with "authentication failed: shared_key mismatch" although both sides are
/// configured alike. Needs a receiver with `<security>`.
///
/// Parameters: `reason` — the failure text (default `shared_key mismatch`).
public struct SharedKeyMismatchFault: Fault {
    public static let kind = "shared_key_mismatch"
    public static let summary = "answer PING with PONG false (shared_key mismatch)"

    public var reason: String

    public init(reason: String = "shared_key mismatch") { self.reason = reason }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        reason = try r.string("reason", default: "shared_key mismatch")
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters { ["reason": .string(reason)] }

    public mutating func onHandshake(_ connection: ReceiverConnectionInfo, step: ReceiverHandshakeStep,
                                     _ context: inout FaultContext) -> ReceiverHandshakeDecision? {
        guard step == .pong(success: true), context.fires() else { return nil }
        var b = ByteBuffer()
        Pong.failure(reason).encode(into: &b)
        return .replace(b)
    }
}
