import ForwardServer

/// `ack_close`: closes the connection where the ack would be written (out_forward: "destination node
/// closed the connection", node disabled, chunk rolled back). The events are already in the ledger.
///
/// Parameters: `mode` — `fin` (orderly close) or `rst` (reset); default `fin`; a `MessageSelector`.
public struct AckCloseFault: Fault {
    public static let kind = "ack_close"
    public static let summary = "close (FIN or RST) the connection instead of acking"

    public var reset: Bool
    public var selector: MessageSelector

    public init(reset: Bool = false, selector: MessageSelector = MessageSelector()) {
        self.reset = reset
        self.selector = selector
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        reset = try r.string("mode", default: "fin", allowed: ["fin", "rst"]) == "rst"
        selector = try MessageSelector(reading: &r)
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        var p = FaultParameters(selector.parameters)
        p["mode"] = reset ? "rst" : "fin"
        return p
    }

    public mutating func beforeAck(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverAckDecision? {
        guard selector.select(request, gate: { context.fires() }) else { return nil }
        return reset ? .reset : .close
    }
}
