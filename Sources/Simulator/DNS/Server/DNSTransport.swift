/// The transport a DNS query arrived on.
public enum DNSTransport: String, Sendable, Hashable, Codable {
    case udp
    case tcp
}
