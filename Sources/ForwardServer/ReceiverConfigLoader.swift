import FluentdConfig
import Foundation

/// Reads an in_forward-style configuration (a `<source>` with `@type forward`; parameters in docs/agent-parameters.md) into
/// `ReceiverSettings`. Unknown parameters are errors with file:line; options in_forward accepts but
/// this receiver does not emulate (resolve_hostname, source_hostname_key, blocking_timeout,
/// cert_verifier, generate_private_key_length, generate_cert_digest) are accepted and reported.
public enum ReceiverConfigLoader {
    /// The settings, plus notes about accepted-but-not-emulated options and parser warnings.
    public struct Loaded: Sendable {
        public var settings: ReceiverSettings
        public var notes: [String]
    }

    /// Loads `path` and reads its first forward `<source>` into `base` (which supplies name, ledger, hooks...).
    public static func load(path: String, base: ReceiverSettings = ReceiverSettings()) throws -> Loaded {
        let document = try ConfigDocument.load(path: path)
        return try read(document, base: base)
    }

    /// Parses configuration text (for tests).
    public static func parse(text: String, base: ReceiverSettings = ReceiverSettings()) throws -> Loaded {
        try read(try ConfigDocument.parse(text: text), base: base)
    }

    static func read(_ document: ConfigDocument, base: ReceiverSettings) throws -> Loaded {
        let forward = document.allElements.first { $0.name == "source" && $0.type == "forward" }
        guard let source = forward else {
            throw ConfigError("no <source> with '@type forward' found", at: document.root.location)
        }
        var loaded = try read(source: source, base: base)
        loaded.notes.insert(contentsOf: document.warnings.map(\.description), at: 0)
        return loaded
    }

    /// Reads one `<source> @type forward` section (the agent's forward input uses this).
    public static func read(source: ConfigElement, base: ReceiverSettings) throws -> Loaded {
        var notes: [String] = []
        var s = base
        var r = source.reader()
        s.port = try r.integer("port", default: 24224)
        s.bind = try r.string("bind", default: "0.0.0.0")
        s.backlog = try r.optionalInteger("backlog")
        let topLinger = try r.optionalInteger("linger_timeout")
        s.denyKeepalive = try r.bool("deny_keepalive", default: false)
        s.sendKeepalivePacket = try r.bool("send_keepalive_packet", default: false)
        s.chunkSizeWarnLimit = try r.optionalSize("chunk_size_warn_limit")
        s.chunkSizeLimit = try r.optionalSize("chunk_size_limit")
        s.skipInvalidEvent = try r.bool("skip_invalid_event", default: s.profile.skipInvalidEventDefault)
        s.sourceAddressKey = try r.optionalString("source_address_key")
        s.tag = try r.optionalString("tag")
        s.addTagPrefix = try r.optionalString("add_tag_prefix")
        if let limit = try r.optionalSize("fwdlab_read_buffer_limit") {
            if let problem = ReceiverSettings.readBufferLimitProblem(limit) {
                throw ConfigError(problem, at: source.param("fwdlab_read_buffer_limit")?.location ?? source.location)
            }
            s.readBufferLimit = limit
        }
        for name in ["resolve_hostname", "source_hostname_key", "blocking_timeout"] where r.has(name) {
            notes.append("\(source.param(name)!.location): '\(name)' accepted but not emulated")
        }
        r.ignore("resolve_hostname", "source_hostname_key", "blocking_timeout")

        var linger = 0
        if let transport = try r.section("transport") {
            var t = transport.reader()
            linger = try t.integer("linger_timeout", default: 0)
            if transport.argument == "tls" {
                s.tls = try readTLS(&t, notes: &notes, at: transport)
            } else if !transport.argument.isEmpty && transport.argument != "tcp" {
                throw ConfigError("unsupported transport '\(transport.argument)' (tcp or tls)", at: transport.location)
            }
            try t.rejectUnknown()
        }
        s.lingerTimeout = topLinger ?? linger

        if let security = try r.section("security") {
            var sr = security.reader()
            var sec = ReceiverSecurity(selfHostname: try sr.string("self_hostname"), sharedKey: try sr.string("shared_key"))
            sec.userAuth = try sr.bool("user_auth", default: false)
            sec.allowAnonymousSource = try sr.bool("allow_anonymous_source", default: true)
            for user in try sr.sections("user") {
                var ur = user.reader()
                sec.users.append(.init(username: try ur.string("username"), password: try ur.string("password")))
                try ur.rejectUnknown()
            }
            for client in try sr.sections("client") {
                var cr = client.reader()
                let host = try cr.optionalString("host")
                let network = try cr.optionalString("network")
                let matcher: ClientAddressMatcher
                do {
                    switch (host, network) {
                    case let (h?, nil): matcher = try ClientAddressMatcher(host: h)
                    case let (nil, n?): matcher = try ClientAddressMatcher(network: n)
                    default: throw ReceiverError.configuration("either 'host' or 'network' must be specified in <client>")
                    }
                } catch let e as ReceiverError {
                    throw ConfigError("\(e)", at: client.location)
                }
                sec.clients.append(.init(match: matcher, sharedKey: try cr.optionalString("shared_key"),
                                         users: try cr.array("users", default: [])))
                try cr.rejectUnknown()
            }
            try sr.rejectUnknown()
            do { try sec.validate() } catch { throw ConfigError("\(error)", at: security.location) }
            s.security = sec
        }
        try r.rejectUnknown()
        do { try s.validate() } catch { throw ConfigError("\(error)", at: source.location) }
        return Loaded(settings: s, notes: notes)
    }

    private static func readTLS(_ t: inout ParameterReader, notes: inout [String], at element: ConfigElement) throws -> ReceiverTLSSettings {
        func version(_ name: String) throws -> ReceiverTLSSettings.Version? {
            guard let text = try t.optionalString(name) else { return nil }
            guard let v = ReceiverTLSSettings.Version(fluentd: text) else {
                throw ConfigError("unsupported TLS version '\(text)' for '\(name)'", at: t.element.param(name)?.location)
            }
            return v
        }
        var tls = ReceiverTLSSettings()
        tls.version = try version("version") ?? .tls1_2
        tls.minVersion = try version("min_version")
        tls.maxVersion = try version("max_version")
        tls.ciphers = try t.string("ciphers", default: ReceiverTLSSettings.defaultCiphers)
        tls.insecure = try t.bool("insecure", default: false)
        tls.caPath = try t.optionalString("ca_path")
        tls.certPath = try t.optionalString("cert_path")
        tls.privateKeyPath = try t.optionalString("private_key_path")
        tls.privateKeyPassphrase = try t.optionalString("private_key_passphrase")
        tls.clientCertAuth = try t.bool("client_cert_auth", default: false)
        tls.caCertPath = try t.optionalString("ca_cert_path")
        tls.caPrivateKeyPath = try t.optionalString("ca_private_key_path")
        tls.caPrivateKeyPassphrase = try t.optionalString("ca_private_key_passphrase")
        tls.generateCertCountry = try t.string("generate_cert_country", default: "US")
        tls.generateCertState = try t.string("generate_cert_state", default: "CA")
        tls.generateCertLocality = try t.string("generate_cert_locality", default: "Mountain View")
        tls.generateCertCommonName = try t.optionalString("generate_cert_common_name")
        tls.generateCertExpiration = try t.time("generate_cert_expiration", default: 315_360_000)
        for name in ["cert_verifier", "generate_private_key_length", "generate_cert_digest"] where t.has(name) {
            notes.append("\(element.param(name)!.location): '\(name)' accepted but not emulated")
        }
        t.ignore("cert_verifier", "generate_private_key_length", "generate_cert_digest")
        do { try tls.validate() } catch { throw ConfigError("\(error)", at: element.location) }
        return tls
    }
}
