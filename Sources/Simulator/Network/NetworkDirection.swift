/// Which way a fault applies, seen from the root namespace (where the agent runs) towards a lab host.
public enum NetworkDirection: String, Sendable, Hashable, CaseIterable, Codable {
    /// Both ways.
    case both
    /// Packets from the root namespace to the host.
    case toHost = "to-host"
    /// Packets from the host to the root namespace.
    case fromHost = "from-host"
}
