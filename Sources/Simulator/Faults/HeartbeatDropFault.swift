import ForwardServer
import NIOCore

/// `heartbeat_drop`: loses UDP heartbeats independently, each with the fault's `probability`.
///
/// Parameters: `direction` — `request` (the datagram is never seen: not counted, not answered) or
/// `reply` (seen and counted, but the answer is lost); default `request`. From the agent's side both
/// look alike; they differ in the receiver's heartbeat counter and in the fault log.
public struct HeartbeatDropFault: Fault {
    public static let kind = "heartbeat_drop"
    public static let summary = "drop UDP heartbeat requests or replies with probability p"

    /// Which half of the exchange is lost.
    public enum Direction: String, Sendable, CaseIterable { case request, reply }
    public var direction: Direction

    public init(direction: Direction = .request) { self.direction = direction }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        direction = Direction(rawValue: try r.string("direction", default: "request", allowed: Direction.allCases.map(\.rawValue)))!
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters { ["direction": .string(direction.rawValue)] }

    public mutating func onHeartbeat(from peer: SocketAddress, byteCount: Int, _ context: inout FaultContext) -> ReceiverHeartbeatDecision? {
        guard context.fires() else { return nil }
        context.note = direction == .request ? "request lost" : "reply lost"
        return .drop
    }
}
