/// One timeline entry: at a time (fixed, or drawn from a range with the scenario seed) do an action.
public struct TimelineStep: Sendable {
    /// Label expectations refer to (`after: <id>`); defaults to `step<N>`.
    public var id: String
    /// Seconds after the run start; for a range, the lower bound.
    public var at: Double
    /// Upper bound of a random time (`at: 2s..4s`); nil for a fixed time.
    public var atUpper: Double?
    public var action: ScenarioAction
    /// Source line in the scenario file.
    public var line: Int

    public init(id: String, at: Double, atUpper: Double? = nil, action: ScenarioAction, line: Int = 0) {
        self.id = id
        self.at = at
        self.atUpper = atUpper
        self.action = action
        self.line = line
    }
}
