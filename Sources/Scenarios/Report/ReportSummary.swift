/// `summary.json`: the verdict, the measured expectations, the schedule and the figures of one run.
public struct ReportSummary: Sendable, Codable {
    public struct Step: Sendable, Codable {
        public var id: String
        public var planned: Double
        public var time: Double
        public var action: String
        public var error: String?
    }
    public struct ReceiverFigures: Sendable, Codable {
        public var name: String
        public var port: Int
        public var events: Int
        public var heartbeatsSeen: Int
    }

    public var scenario: String
    public var path: String
    public var seed: UInt64
    public var verdict: String
    public var reason: String?
    public var startedAt: String
    /// Scenario seconds (every time in the report is in scenario seconds).
    public var duration: Double
    /// Real seconds per scenario second (1: unscaled); `wallSeconds` is real time.
    public var timeScale: Double?
    public var wallSeconds: Double
    public var agentMode: String
    public var overrides: [String: String]
    public var heartbeatType: String
    public var heartbeatInterval: Double
    public var phiThreshold: Double
    /// `agent` (the agent's phi at each heartbeat tick) or `reconstructed` (from receiver-side arrivals).
    public var phiSource: String?
    public var offered: Int
    public var accepted: Int
    /// Offered events the agent's buffer refused (overflow; in process mode: the input closed without an ack).
    public var refused: Int?
    /// Offered events that found no agent (killed, stopped, or its input not answering).
    public var agentDown: Int?
    public var delivered: Int
    public var receivers: [ReceiverFigures]
    public var schedule: [Step]
    public var agentEvents: [String: Int]
    public var expectations: [ExpectationResult]
    public var capture: String
    /// The comparison with the `baseline:` build, when the scenario has one.
    public var baseline: Baseline?

    /// The other build's label and every difference found (all nodes, tolerance one heartbeat interval).
    public struct Baseline: Sendable, Codable {
        public var label: String
        public var differences: [String]
    }
}
