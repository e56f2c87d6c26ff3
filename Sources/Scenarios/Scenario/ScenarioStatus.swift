/// Whether a scenario is meant to run: `pending` ones are reported as skipped with their reason.
public enum ScenarioStatus: Sendable, Equatable, Codable {
    case ready
    case pending(reason: String)

    public var isPending: Bool { if case .pending = self { true } else { false } }
}
