/// The outcome of one expectation: pass/fail/skip with the measured value and a sentence explaining it.
public struct ExpectationResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case pass, fail, skip }

    public var key: String
    public var statement: String
    public var status: Status
    /// What was measured, e.g. `3.02 s`.
    public var measured: String
    public var message: String
    /// Line in the scenario file.
    public var line: Int
}
