import ForwardServer

/// `reset_on_accept`: accepts the TCP connection and immediately resets it (or closes it with FIN),
/// before HELO or any read: the agent's connect succeeds and its first write or read fails.
///
/// Parameters: `mode` — `rst` (default) or `fin`; `peer` — only connections from this IP.
public struct ResetOnAcceptFault: Fault {
    public static let kind = "reset_on_accept"
    public static let summary = "reset (or FIN-close) connections right after accepting them"

    public var reset: Bool
    public var peerIP: String?

    public init(reset: Bool = true, peerIP: String? = nil) {
        self.reset = reset
        self.peerIP = peerIP
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        reset = try r.string("mode", default: "rst", allowed: ["fin", "rst"]) == "rst"
        peerIP = try r.optionalString("peer")
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        var p: FaultParameters = ["mode": reset ? "rst" : "fin"]
        if let peerIP { p["peer"] = .string(peerIP) }
        return p
    }

    public mutating func onAccept(_ connection: ReceiverConnectionInfo, _ context: inout FaultContext) -> ReceiverAcceptDecision? {
        if let peerIP, peerIP != connection.peerIP { return nil }
        guard context.fires() else { return nil }
        return reset ? .reset : .close
    }
}
