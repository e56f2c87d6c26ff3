/// One executed timeline step (also a line of `timeline.jsonl` with `type: "step"`).
public struct TimelineEntry: Sendable, Codable, Equatable {
    public var time: Double
    /// Planned time (drawn from the seed for ranges).
    public var planned: Double
    public var id: String
    public var kind: String
    public var receiver: String?
    public var summary: String
    /// Set when the action could not be carried out.
    public var error: String?
    /// When the action returned (an `rpc:` step over HTTP: the answer arrived; `agent: stop`: the agent exited).
    public var completed: Double? = nil
    /// What the action answered: `STATUS BODY` for an `rpc:` step sent to the RPC endpoint.
    public var result: String? = nil
}
