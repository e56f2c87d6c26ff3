/// Errors from starting or configuring a receiver (bad input on a connection is never thrown: it is logged).
public enum ReceiverError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Invalid settings (the message names the parameter).
    case configuration(String)
    /// TLS material could not be loaded or generated.
    case tls(String)
    /// File or socket trouble.
    case io(String)

    public var description: String {
        switch self {
        case let .configuration(m): return "configuration error: \(m)"
        case let .tls(m): return "TLS error: \(m)"
        case let .io(m): return "I/O error: \(m)"
        }
    }
}
