import Foundation

/// `suite.json`: the verdict counts and every scenario's result of one suite run (`fwdlab run --summary FILE`), or of
/// merged shards (`fwdlab report merge`). `wallSeconds` and `reportDirectory` are wall-clock facts (docs/sharding.md).
public struct SuiteSummary: Sendable, Equatable, Codable {
    /// One scenario's result.
    public struct Entry: Sendable, Equatable, Codable {
        public var scenario: String
        public var path: String
        public var seed: UInt64
        public var verdict: ScenarioResult.Verdict
        /// Skip reason or run error.
        public var reason: String?
        public var expectations: [ExpectationResult]
        /// Where the run's report went (a time-stamped directory); nil when none was written.
        public var reportDirectory: String?
        /// Wall seconds the scenario took.
        public var wallSeconds: Double

        public init(_ r: ScenarioResult) {
            scenario = r.scenario
            path = r.path
            seed = r.seed
            verdict = r.verdict
            reason = r.reason
            expectations = r.expectations
            reportDirectory = r.reportDirectory
            wallSeconds = r.wallSeconds
        }

        /// The result again (without the run record, which only the run itself has).
        public var result: ScenarioResult {
            var r = ScenarioResult(scenario: scenario, path: path, seed: seed, verdict: verdict)
            r.reason = reason
            r.expectations = expectations
            r.reportDirectory = reportDirectory
            r.wallSeconds = wallSeconds
            return r
        }
    }

    public var passed: Int
    public var failed: Int
    public var skipped: Int
    /// In the suite's file order.
    public var scenarios: [Entry]

    public init(_ results: [ScenarioResult]) {
        passed = results.filter { $0.verdict == .passed }.count
        failed = results.filter { $0.verdict == .failed }.count
        skipped = results.count - passed - failed
        scenarios = results.map(Entry.init)
    }

    /// Pretty-printed JSON with sorted keys (one field per line, so wall-clock lines can be told apart).
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return ((try? encoder.encode(self)) ?? Data()) + Data("\n".utf8)
    }
}
