/// Why a run could not be carried out (distinct from an expectation failing).
public enum ScenarioRunError: Error, Sendable, CustomStringConvertible {
    case agent(String)
    case receiver(String)
    case environment(String)

    public var description: String {
        switch self {
        case let .agent(m): "agent: \(m)"
        case let .receiver(m): "receiver: \(m)"
        case let .environment(m): "environment: \(m)"
        }
    }
}
