/// The verdict of one scenario run, with what it measured.
public struct ScenarioResult: Sendable {
    public enum Verdict: String, Sendable, Codable { case passed, failed, skipped }

    public var scenario: String
    public var path: String
    public var seed: UInt64
    public var verdict: Verdict
    /// Skip reason or run error.
    public var reason: String?
    public var expectations: [ExpectationResult] = []
    public var record: RunRecord?
    public var reportDirectory: String?
    /// Wall seconds the run took.
    public var wallSeconds: Double = 0

    /// One line for the suite listing: `PASS standby-promotion (12.3 s)` plus the first failure.
    public var line: String {
        let tag: String
        switch verdict {
        case .passed: tag = "PASS"
        case .failed: tag = "FAIL"
        case .skipped: tag = "SKIP"
        }
        var text = "\(tag) \(scenario) (\(ScenarioFormat.number(wallSeconds)) s)"
        if let reason { text += ": \(reason)" }
        else if let f = expectations.first(where: { $0.status == .fail }) {
            text += ": \(f.statement): \(f.message)"
        }
        return text
    }
}
