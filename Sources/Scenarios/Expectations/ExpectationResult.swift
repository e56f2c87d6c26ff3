/// The outcome of one expectation: pass/fail/skip with the measured value and a sentence explaining it.
public struct ExpectationResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case pass, fail, skip }
    /// Why an expectation could not be judged; a scenario declares the causes it may skip for (`may_skip:`), and
    /// under `--strict` any other skip fails the run.
    public enum SkipCause: String, Sendable, Codable, CaseIterable {
        /// No live capture (not root, or `capture: false`): wire expectations cannot be judged.
        case capture
        /// The agent under test cannot show an event it reads (real Fluentd does not log it).
        case agentEvents = "agent_events"
        /// Anything else (e.g. a run too short to measure): never declarable, it is the scenario's bug.
        case other
    }

    public var key: String
    public var statement: String
    public var status: Status
    /// What was measured, e.g. `3.02 s`.
    public var measured: String
    public var message: String
    /// Line in the scenario file.
    public var line: Int
    /// Set with `status == .skip`.
    public var skipCause: SkipCause? = nil
}
