/// A name the scenario's DNS server answers, its initial answer set (receiver names or IPs) and TTL.
public struct ScenarioDNSRecord: Sendable, Equatable {
    public var name: String
    /// Receiver names or IPv4 literals.
    public var addresses: [String]
    public var ttl: UInt32 = 1
    /// `answer`, `nxdomain`, `servfail`, … (Simulator's `DNSNameBehaviour` names).
    public var behaviour: String = "answer"

    public init(name: String, addresses: [String]) {
        self.name = name
        self.addresses = addresses
    }
}
