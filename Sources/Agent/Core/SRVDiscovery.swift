/// sd_srv's mapping from SRV records to services, without I/O (docs/agent-parameters.md, "<service_discovery>").
public enum SRVDiscovery {
    /// `fetch_srv_record`: one service per record, ordered by priority (equal priorities keep the answer's order
    /// here; Ruby's `sort_by` does not promise that). The SRV weight becomes the node's weight as it is (0 means a
    /// node that is never selected: quirk 42, docs/quirks.md); the priority only orders, nobody is standby. `addresses`
    /// maps a target to its first address when `dns_lookup` is on (a missing entry: that lookup failed).
    public static func services(_ records: [SRVRecord], config: SRVServiceDiscoveryConfig,
                                addresses: [String: String]) throws(SRVLookupError) -> [DiscoveredService] {
        var out: [(UInt16, Int, DiscoveredService)] = []
        for (i, r) in records.enumerated() {
            let host: String
            if config.dnsLookup {
                guard let a = addresses[r.target] else { throw SRVLookupError(message: "DNS result has no information for \(r.target)") }
                host = a
            } else {
                host = r.target
            }
            out.append((r.priority, i, DiscoveredService(
                plugin: "srv", host: host, port: Int(r.port), name: r.target, weight: Int(r.weight), standby: false,
                username: config.username, password: config.password, sharedKey: config.sharedKey)))
        }
        return out.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
    }
}

/// Why an SRV refresh failed (Ruby's resolver error text); logged as `sd_srv: MESSAGE`.
public struct SRVLookupError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
