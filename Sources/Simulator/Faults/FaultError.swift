/// Why a fault could not be created, changed or applied. Descriptions are meant for an operator.
public enum FaultError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No fault of this kind exists in the catalogue.
    case unknownKind(String)
    /// A parameter has the wrong type or an out-of-range value.
    case invalidParameter(kind: String, name: String, message: String)
    /// A parameter this kind does not take (likely a typo).
    case unknownParameter(kind: String, name: String)
    /// A required parameter is missing.
    case missingParameter(kind: String, name: String)
    /// Fault names are unique per receiver.
    case duplicateName(receiver: String, name: String)
    /// No fault with this name on the receiver.
    case noSuchFault(receiver: String, name: String)
    /// No receiver with this name.
    case noSuchReceiver(String)
    /// The fault needs something the receiver lacks (e.g. TLS faults need a certificate authority).
    case unsupported(String)

    public var description: String {
        switch self {
        case let .unknownKind(k): return "unknown fault kind '\(k)' (see docs/faults.md for the catalogue)"
        case let .invalidParameter(kind, name, message): return "fault '\(kind)': parameter '\(name)': \(message)"
        case let .unknownParameter(kind, name): return "fault '\(kind)': unknown parameter '\(name)'"
        case let .missingParameter(kind, name): return "fault '\(kind)': missing required parameter '\(name)'"
        case let .duplicateName(receiver, name): return "receiver '\(receiver)' already has a fault named '\(name)'"
        case let .noSuchFault(receiver, name): return "receiver '\(receiver)' has no fault named '\(name)'"
        case let .noSuchReceiver(name): return "no receiver named '\(name)'"
        case let .unsupported(message): return message
        }
    }
}
