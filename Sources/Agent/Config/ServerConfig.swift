import FluentdConfig

/// One `<server>` of out_forward (docs/agent-parameters.md, "<server> (multi)"): the node the core balances over plus its credentials.
public struct ServerConfig: Sendable, Equatable {
    /// name/host/port/weight/standby, as the core uses them.
    public var node: ForwarderNodeConfig
    /// Per-server `shared_key` (overrides `<security> shared_key`).
    public var sharedKey: String?
    public var username: String
    public var password: String
    /// Where the `<server>` section starts.
    public var location: ConfigLocation?

    /// The discovery identity when a `<service_discovery>` reported this server (nil for `<server>` sections).
    public var discovered: DiscoveredService?

    public init(node: ForwarderNodeConfig, sharedKey: String? = nil, username: String = "", password: String = "", location: ConfigLocation? = nil) {
        self.node = node
        self.sharedKey = sharedKey
        self.username = username
        self.password = password
        self.location = location
    }

    /// `sectionName`: `server`, or `service` inside `<service_discovery> @type static` (same parameters).
    static func parse(_ element: ConfigElement, index: Int, parentPath: String, sectionName: String = "server",
                      into ctx: inout ConfigBuildContext) throws -> ServerConfig {
        var r = SectionReader(element, path: "\(parentPath) <\(sectionName)>[\(index)]")
        let host = try r.requiredString("host")
        if host.isEmpty { throw r.error("'host' must not be empty", at: r.written(["host"])?.location) }
        let name = try r.optionalString("name")
        let port = try r.integer("port", default: 24224)
        if !(0...65535).contains(port) { throw r.error("port \(port) is out of range (0-65535)", at: r.written(["port"])?.location) }
        let sharedKey = try r.optionalString("shared_key", secret: true)
        let username = try r.string("username", default: "")
        let password = try r.string("password", default: "", secret: true)
        let standby = try r.bool("standby", default: false)
        let weight = try r.integer("weight", default: 60)
        if weight <= 0, let p = r.written(["weight"]) {
            r.warn("weight \(weight) means this server is never selected (\(r.context))", at: p.location)
        }
        try ctx.finish(r)
        return ServerConfig(
            node: ForwarderNodeConfig(name: name, host: host, port: port, weight: weight, standby: standby),
            sharedKey: sharedKey, username: username, password: password, location: element.location)
    }
}

extension ServerConfig {
    /// A server a discovery reported (its identity kept, so a later list can take it out again).
    public init(discovered s: DiscoveredService) {
        self.init(node: s.node, sharedKey: s.sharedKey, username: s.username ?? "", password: s.password ?? "")
        discovered = s
    }
}

extension ServerConfig {
    /// The services hash's identity of a static server (quirk 30, docs/quirks.md): every field of the section.
    var staticIdentity: DiscoveredService {
        DiscoveredService(plugin: "static", host: node.host, port: node.port, name: node.name, weight: node.weight,
                          standby: node.standby, username: username, password: password, sharedKey: sharedKey)
    }

    /// Fluentd keys its services by identity, so a server written twice with the same fields is one node (the first
    /// one's place); discovered servers compare by their discovery identity.
    static func collapsingIdentical(_ servers: [ServerConfig]) -> [ServerConfig] {
        var seen = Set<DiscoveredService>()
        return servers.filter { seen.insert($0.discovered ?? $0.staticIdentity).inserted }
    }
}
