/// Everything the server knows about one name: its addresses (answer order), TTL and behaviour.
public struct DNSRecordSet: Sendable, Hashable {
    /// A records, in answer order.
    public var ipv4: [DNSAddress]
    /// AAAA records, in answer order.
    public var ipv6: [DNSAddress]
    /// TTL of the answers, seconds.
    public var ttl: UInt32
    public var behaviour: DNSNameBehaviour
    /// Held back this long before the answer (or the NXDOMAIN / SERVFAIL) is sent.
    public var delay: Duration
    public var rotation: DNSRotation
    /// Answer UDP queries with an empty, TC-flagged response so the client must retry over TCP.
    public var truncateUDP: Bool
    /// SRV records, in answer order (docs/dns-and-partitions.md, "SRV records").
    public var srv: [DNSSRV] = []

    public init(
        addresses: [DNSAddress] = [], ttl: UInt32 = 30, behaviour: DNSNameBehaviour = .answer, delay: Duration = .zero,
        rotation: DNSRotation = .onCue, truncateUDP: Bool = false
    ) {
        ipv4 = addresses.filter { $0.recordType == .a }
        ipv6 = addresses.filter { $0.recordType == .aaaa }
        self.ttl = ttl
        self.behaviour = behaviour
        self.delay = delay
        self.rotation = rotation
        self.truncateUDP = truncateUDP
    }

    /// Parses address text; nil if any entry is not an IPv4/IPv6 literal.
    public init?(addresses texts: [String], ttl: UInt32 = 30, behaviour: DNSNameBehaviour = .answer) {
        var parsed: [DNSAddress] = []
        for text in texts {
            guard let address = DNSAddress(text) else { return nil }
            parsed.append(address)
        }
        self.init(addresses: parsed, ttl: ttl, behaviour: behaviour)
    }

    /// All addresses, A first, each family in answer order.
    public var addresses: [DNSAddress] { ipv4 + ipv6 }

    /// Replaces both families, keeping the given order.
    public mutating func replaceAddresses(_ addresses: [DNSAddress]) {
        ipv4 = addresses.filter { $0.recordType == .a }
        ipv6 = addresses.filter { $0.recordType == .aaaa }
    }

    /// Appends an address at the end of its family's order (no duplicates).
    public mutating func add(_ address: DNSAddress) {
        switch address.recordType {
        case .a: if !ipv4.contains(address) { ipv4.append(address) }
        default: if !ipv6.contains(address) { ipv6.append(address) }
        }
    }

    /// Removes an address from whichever family holds it.
    public mutating func remove(_ address: DNSAddress) {
        ipv4.removeAll { $0 == address }
        ipv6.removeAll { $0 == address }
    }

    /// Moves the first address of each family (or only of `type`) to the end.
    public mutating func rotate(_ type: DNSRecordType? = nil) {
        if type == nil || type == .a, ipv4.count > 1 { ipv4.append(ipv4.removeFirst()) }
        if type == nil || type == .aaaa, ipv6.count > 1 { ipv6.append(ipv6.removeFirst()) }
    }
}
