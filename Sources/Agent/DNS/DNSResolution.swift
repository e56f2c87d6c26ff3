/// A successful lookup: the addresses in the order the nameserver gave them.
public struct DNSResolution: Sendable, Hashable {
    public var host: String
    public var addresses: [ResolvedAddress]

    public init(host: String, addresses: [ResolvedAddress]) {
        self.host = host
        self.addresses = addresses
    }

    /// Address texts in answer order.
    public var ips: [String] { addresses.map(\.ip) }

    /// The smallest TTL of the answer, i.e. how long the whole set may be cached; nil for literals.
    public var ttl: Int? { addresses.compactMap(\.ttl).min() }
}
