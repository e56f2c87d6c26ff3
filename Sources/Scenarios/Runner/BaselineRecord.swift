/// What the baseline run left for the comparison: its decisions and delivery figures, on its own run clock.
public struct BaselineRecord: Sendable {
    public var label: String
    public var agentEvents: [AgentEventEntry]
    /// Events delivered per receiver.
    public var delivered: [String: Int]
    public var runErrors: [String]
    public var duration: Double
    /// The `fwdlab` executable the baseline ran as a child agent process, or nil when it ran in this process.
    public var executable: String?
    /// The baseline agent's log (in process mode, its child's stdout and stderr).
    public var agentLog: String

    init(label: String, record r: RunRecord, executable: String? = nil) {
        self.label = label
        self.executable = executable
        agentLog = r.agentLog
        agentEvents = r.agentEvents
        delivered = Dictionary(grouping: r.deliveries, by: \.receiver).mapValues(\.count)
        runErrors = r.runErrors
        duration = r.duration
    }
}
