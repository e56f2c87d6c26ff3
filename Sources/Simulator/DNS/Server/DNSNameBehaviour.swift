/// What the DNS server does when asked about a configured name.
public enum DNSNameBehaviour: String, Sendable, Hashable, CaseIterable, Codable {
    /// Answer from the configured address set (NOERROR, possibly with no records for the asked type).
    case answer
    /// Name error: NXDOMAIN with the zone's SOA for negative caching.
    case nxdomain
    /// SERVFAIL, as a broken upstream would.
    case servfail
    /// REFUSED, as a server that will not serve this client.
    case refused
    /// Read the query and never answer (the client times out).
    case drop
}
