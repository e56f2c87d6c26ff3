/// One server a `<service_discovery>` reports (Fluentd's `ServiceDiscovery::Service`; docs/agent-parameters.md,
/// "<service_discovery>"). Two services are the same node only when every field is equal, the discovery type
/// included: a changed weight, name or key is a new node (the old one goes out, a fresh one comes in).
public struct DiscoveredService: Sendable, Hashable {
    /// Which discovery produced it (`static`, `file`, `srv`): part of the identity, as in Fluentd.
    public var plugin: String
    public var host: String
    public var port: Int
    public var name: String?
    public var weight: Int
    /// nil when a file entry leaves it out (nil and false are different identities in Fluentd; both mean active).
    public var standby: Bool?
    public var username: String?
    public var password: String?
    public var sharedKey: String?

    public init(plugin: String, host: String, port: Int, name: String? = nil, weight: Int = 60, standby: Bool? = nil,
                username: String? = nil, password: String? = nil, sharedKey: String? = nil) {
        self.plugin = plugin
        self.host = host
        self.port = port
        self.name = name
        self.weight = weight
        self.standby = standby
        self.username = username
        self.password = password
        self.sharedKey = sharedKey
    }

    /// What the balancer and the detector see.
    public var node: ForwarderNodeConfig {
        ForwarderNodeConfig(name: name, host: host, port: port, weight: weight, standby: standby ?? false)
    }

    /// `name=NAME HOST:PORT` as the manager's "Service in/out" lines print it (nil name prints empty).
    var logText: String { "name=\(name ?? "") \(host):\(port)" }
}
