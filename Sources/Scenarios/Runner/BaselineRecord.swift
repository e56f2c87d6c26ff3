/// What the baseline run left for the comparison: its decisions and delivery figures, on its own run clock.
public struct BaselineRecord: Sendable {
    public var label: String
    public var agentEvents: [AgentEventEntry]
    /// Events delivered per receiver.
    public var delivered: [String: Int]
    public var runErrors: [String]
    public var duration: Double

    init(label: String, record r: RunRecord) {
        self.label = label
        agentEvents = r.agentEvents
        delivered = Dictionary(grouping: r.deliveries, by: \.receiver).mapValues(\.count)
        runErrors = r.runErrors
        duration = r.duration
    }
}
