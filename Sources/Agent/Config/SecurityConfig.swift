import FluentdConfig

/// out_forward's `<security>` section: enables the shared-key handshake (docs/forward-protocol.md, "Handshake").
public struct SecurityConfig: Sendable, Equatable {
    public var selfHostname: String
    public var sharedKey: String

    public init(selfHostname: String, sharedKey: String) {
        self.selfHostname = selfHostname
        self.sharedKey = sharedKey
    }

    static func parse(_ element: ConfigElement, parentPath: String, into ctx: inout ConfigBuildContext) throws -> SecurityConfig {
        var r = SectionReader(element, path: "\(parentPath) <security>")
        let host = try r.requiredString("self_hostname")
        let key = try r.requiredString("shared_key", secret: true)
        try ctx.finish(r)
        return SecurityConfig(selfHostname: host, sharedKey: key)
    }
}
