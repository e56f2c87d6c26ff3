import ForwardProtocol
import ForwardServer
import NIOCore

/// `heartbeat_wrong_port`: answers UDP heartbeats from another source port than the receiver's (as a
/// NAT or a multi-homed host might). out_forward matches replies by source ip:port, so it logs
/// "Unknown heartbeat response" and the node starves of heartbeats.
///
/// Parameters: `source_port` — the port replies come from (default 0: an ephemeral port).
public struct HeartbeatWrongPortFault: Fault {
    public static let kind = "heartbeat_wrong_port"
    public static let summary = "answer heartbeats from a different source port"

    public let socket: UDPReplySocket
    private let requestedPort: Int

    public init(sourcePort: Int = 0) throws {
        requestedPort = sourcePort
        socket = try UDPReplySocket(port: sourcePort)
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        let p = try r.int("source_port", default: 0, range: 0 ... 65535)
        try r.rejectUnknown()
        try self.init(sourcePort: p)
    }

    public var parameters: FaultParameters { ["source_port": .number(Double(requestedPort))] }

    public mutating func onHeartbeat(from peer: SocketAddress, byteCount: Int, _ context: inout FaultContext) -> ReceiverHeartbeatDecision? {
        guard context.fires() else { return nil }
        socket.send(UDPHeartbeat.reply, to: peer)
        context.note = "replied from port \(socket.port)"
        return .drop
    }
}
