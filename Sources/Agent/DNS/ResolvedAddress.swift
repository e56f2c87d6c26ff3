/// One address of a DNS answer with the TTL it came with.
public struct ResolvedAddress: Sendable, Hashable, CustomStringConvertible {
    /// Numeric address text ("127.0.0.1", "::1").
    public var ip: String
    /// True for IPv6 (AAAA).
    public var isIPv6: Bool
    /// TTL in seconds from the answer; nil when no DNS query was made (IP literal).
    public var ttl: Int?

    public init(ip: String, isIPv6: Bool, ttl: Int?) {
        self.ip = ip
        self.isIPv6 = isIPv6
        self.ttl = ttl
    }

    public var description: String { ttl.map { "\(ip) (ttl \($0)s)" } ?? ip }
}
