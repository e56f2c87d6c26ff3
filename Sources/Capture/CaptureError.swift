/// Why a live capture could not start or run.
public enum CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not root / no CAP_NET_RAW: callers skip capture.
    case permissionDenied(String)
    case noSuchInterface(String)
    /// The BPF filter did not compile.
    case invalidFilter(filter: String, message: String)
    /// The output file could not be opened.
    case cannotWrite(path: String, message: String)
    /// Any other libpcap failure.
    case pcap(String)
    /// `start()` called twice, or after `stop()`.
    case invalidState(String)

    public var description: String {
        switch self {
        case let .permissionDenied(m): return "packet capture not permitted (needs root or CAP_NET_RAW): \(m)"
        case let .noSuchInterface(i): return "no such capture interface: \(i)"
        case let .invalidFilter(f, m): return "invalid capture filter '\(f)': \(m)"
        case let .cannotWrite(p, m): return "cannot write capture file \(p): \(m)"
        case let .pcap(m): return "libpcap error: \(m)"
        case let .invalidState(m): return "capture used out of order: \(m)"
        }
    }
}
