import ForwardServer
import NIOCore

/// `never_read`: accepts connections (and sends HELO when secure) but never processes a byte: the first
/// read is held and reading stops, so the kernel buffers fill and the agent's writes eventually block.
/// Nothing reaches the ledger and no ack is written.
///
/// Parameters: `peer` — only connections from this IP.
public struct NeverReadFault: Fault {
    public static let kind = "never_read"
    public static let summary = "accept connections but never read from them"

    public var peerIP: String?
    /// A stall long enough to outlast any run.
    static let forever = TimeAmount.hours(24 * 365)

    public init(peerIP: String? = nil) { self.peerIP = peerIP }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        peerIP = try r.optionalString("peer")
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters { peerIP.map { ["peer": .string($0)] } ?? [:] }

    public mutating func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int, _ context: inout FaultContext) -> ReceiverReadDecision? {
        if let peerIP, peerIP != connection.peerIP { return nil }
        guard context.fires() else { return nil }
        return .stall(Self.forever)
    }
}
