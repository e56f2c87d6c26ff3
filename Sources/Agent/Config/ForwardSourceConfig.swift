import FluentdConfig
import ForwardProtocol
import ForwardServer

/// `<source> @type forward` (in_forward; parameters in docs/agent-parameters.md). The whole section is kept for the forward-server code; the
/// parameters are type-checked here so typos and bad values fail at load time with file:line.
public struct ForwardSourceConfig: Sendable, Equatable {
    /// The section as written, for the server code to interpret.
    public var element: ConfigElement
    public var port = 24224
    public var bind = "0.0.0.0"
    /// `@label` routing.
    public var label: String? = nil
    /// `tag` (replaces incoming tags) and `add_tag_prefix`.
    public var tag: String? = nil
    public var addTagPrefix: String? = nil
    /// Whether a `<security>` section is present (handshake required from clients).
    public var hasSecurity = false
    /// `<transport tls>` present.
    public var isTLS = false
    /// The release this input behaves as (`<system> fwdlab_fluentd_version`).
    public var profile: FluentdReleaseProfile = .default

    public init(element: ConfigElement) { self.element = element }

    static let tlsTransportParameters = [
        "version", "min_version", "max_version", "ciphers", "insecure", "ca_path", "cert_path", "private_key_path",
        "private_key_passphrase", "client_cert_auth", "ca_cert_path", "ca_private_key_path", "ca_private_key_passphrase",
        "cert_verifier", "generate_private_key_length", "generate_cert_country", "generate_cert_state",
        "generate_cert_locality", "generate_cert_common_name", "generate_cert_expiration", "generate_cert_digest",
        "ensure_fips", "cert_thumbprint", "cert_logical_store_name", "cert_use_enterprise_store",
    ]

    static func parse(_ element: ConfigElement, path: String, into ctx: inout ConfigBuildContext) throws -> ForwardSourceConfig {
        var c = ForwardSourceConfig(element: element)
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        c.label = element.label
        (c.bind, c.port) = try r.listenAddress(defaultPort: 24224)
        _ = try r.optionalInteger("backlog")
        if let p = r.written(["linger_timeout"]) {
            r.warn("'linger_timeout' is deprecated: use <transport> linger_timeout (\(r.context))", at: p.location)
        }
        _ = try r.optionalInteger("linger_timeout")
        _ = try r.time("blocking_timeout", default: 0.5)
        let resolve = try r.optionalBool("resolve_hostname")
        _ = try r.bool("deny_keepalive", default: false)
        _ = try r.bool("send_keepalive_packet", default: false)
        _ = try r.optionalSize("chunk_size_warn_limit")
        _ = try r.optionalSize("chunk_size_limit")
        if let limit = try r.optionalSize("fwdlab_read_buffer_limit"), let problem = ReceiverSettings.readBufferLimitProblem(limit) {
            throw r.error(problem, at: r.written(["fwdlab_read_buffer_limit"])?.location)
        }
        c.profile = ctx.profile
        _ = try r.bool("skip_invalid_event", default: ctx.profile.skipInvalidEventDefault)
        _ = try r.optionalString("source_address_key")
        let hostnameKey = try r.optionalString("source_hostname_key")
        if hostnameKey != nil && resolve == false {
            throw r.error("resolve_hostname must be true with source_hostname_key", at: r.written(["resolve_hostname"])?.location)
        }
        c.tag = try r.optionalString("tag")
        if c.tag == "" { throw r.error("'tag' parameter must not be empty", at: r.written(["tag"])?.location) }
        c.addTagPrefix = try r.optionalString("add_tag_prefix")
        if c.addTagPrefix == "" { throw r.error("'add_tag_prefix' parameter must not be empty", at: r.written(["add_tag_prefix"])?.location) }

        if let sec = try r.raw.section("security") {
            c.hasSecurity = true
            var s = SectionReader(sec, path: "\(path) <security>")
            _ = try s.requiredString("self_hostname")
            _ = try s.requiredString("shared_key", secret: true)
            let userAuth = try s.bool("user_auth", default: false)
            let anonymous = try s.bool("allow_anonymous_source", default: true)
            let users = try s.raw.sections("user")
            let clients = try s.raw.sections("client")
            if userAuth && users.isEmpty { throw s.error("<user> sections required if user_auth enabled") }
            if !anonymous && clients.isEmpty { throw s.error("<client> sections required if allow_anonymous_source disabled") }
            for (i, u) in users.enumerated() {
                var ur = SectionReader(u, path: "\(path) <security> <user>[\(i)]")
                _ = try ur.requiredString("username")
                _ = try ur.requiredString("password", secret: true)
                try ctx.finish(ur)
            }
            for (i, cl) in clients.enumerated() {
                var cr = SectionReader(cl, path: "\(path) <security> <client>[\(i)]")
                let host = try cr.optionalString("host")
                let network = try cr.optionalString("network")
                _ = try cr.optionalString("shared_key", secret: true)
                _ = try cr.value("users", .array, default: []) { ConfigDisplay.list($0) }
                if (host == nil) == (network == nil) { throw cr.error("One of 'host' or 'network' must be specified (and not both)") }
                try ctx.finish(cr)
            }
            try ctx.finish(s)
        }
        if let t = try r.raw.section("transport") {
            let proto = t.argument.isEmpty ? "tcp" : t.argument
            guard proto == "tcp" || proto == "tls" else {
                throw ConfigError("unsupported transport '\(proto)' for in_forward (tcp or tls) (in \(t.context))", at: t.location)
            }
            c.isTLS = proto == "tls"
            var tr = SectionReader(t, path: "\(path) <transport \(proto)>")
            _ = try tr.integer("linger_timeout", default: 0)
            if c.isTLS {
                for name in tlsTransportParameters { tr.raw.ignore(name) }
                if (t.has("min_version")) != (t.has("max_version")) {
                    throw tr.error("both of min_version and max_version are required")
                }
                let insecure = (try? ConfigValueTypes.bool(t["insecure"] ?? "false")) ?? false
                if !insecure && t["cert_path"] == nil && t["ca_cert_path"] == nil {
                    throw tr.error("no valid cert options configured. specify either 'cert_path', 'ca_cert_path' or 'insecure'")
                }
            }
            try ctx.finish(tr)
        }
        try ctx.finish(r)
        return c
    }
}
