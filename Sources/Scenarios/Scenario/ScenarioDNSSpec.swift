/// A name the scenario's DNS server answers, its initial answer set (receiver names or IPs) and TTL.
public struct ScenarioDNSRecord: Sendable, Equatable {
    public var name: String
    /// Receiver names or IPv4 literals.
    public var addresses: [String]
    public var ttl: UInt32 = 1
    /// `answer`, `nxdomain`, `servfail`, … (Simulator's `DNSNameBehaviour` names).
    public var behaviour: String = "answer"
    /// SRV records (`srv:`), for `<service_discovery> @type srv`.
    public var srv: [ScenarioSRVRecord] = []

    public init(name: String, addresses: [String]) {
        self.name = name
        self.addresses = addresses
    }
}

/// One SRV record of a scenario name: `port` is a receiver's name (its port) or a number.
public struct ScenarioSRVRecord: Sendable, Equatable {
    public var priority: Int = 0
    public var weight: Int = 0
    public var port: String
    /// A DNS name (declare its A record under `dns:` too, as a real zone would).
    public var target: String

    public init(priority: Int = 0, weight: Int = 0, port: String, target: String) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }

    var summary: String { "\(priority) \(weight) \(port) \(target)" }
}
