/// Which receivers a control call addresses: one by name, or every receiver (`all`).
public enum FaultTarget: Sendable, Hashable, CustomStringConvertible {
    case receiver(String)
    case all

    /// `all` means every receiver; anything else is a receiver name.
    public init(_ text: String) { self = text == "all" ? .all : .receiver(text) }

    public var description: String {
        switch self {
        case let .receiver(n): return n
        case .all: return "all"
        }
    }
}
