import Foundation
import ForwardProtocol
import ForwardServer
import Yams

/// Reads a topology YAML file (schema in docs/faults.md). Every error names file:line:column and the
/// field; unknown keys are errors so typos never fall back to defaults silently.
public enum TopologyLoader {
    /// Loads and validates `path`.
    public static func load(path: String) throws -> Topology {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TopologyError(file: path, line: 0, column: 0, field: "(file)", message: "cannot read: \(error.localizedDescription)")
        }
        let base = (path as NSString).deletingLastPathComponent
        return try parse(text, file: path, baseDirectory: base.isEmpty ? "." : base)
    }

    /// Parses topology text; `file` only labels errors, relative paths resolve against `baseDirectory`.
    public static func parse(_ text: String, file: String = "<topology>", baseDirectory: String = ".") throws -> Topology {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw TopologyError(file: file, line: Self.line(of: e), column: 0, field: "(syntax)", message: "\(e)")
        } catch {
            throw TopologyError(file: file, line: 0, column: 0, field: "(syntax)", message: "\(error)")
        }
        guard let root else { throw TopologyError(file: file, line: 1, column: 1, field: "(document)", message: "the file is empty") }
        let ctx = Context(file: file, base: baseDirectory)
        var top = try ctx.map(root, "(document)")
        var topology = Topology()
        if let s = top.take("seed") {
            guard let v = s.node.int, v >= 0 else { throw ctx.error(s.node, "seed", "expected a non-negative integer") }
            topology.seed = UInt64(v)
        }
        topology.tlsDirectory = try top.take("tls_dir").map { ctx.path(try ctx.string($0.node, "tls_dir")) }
        topology.control = try top.take("control").map { try ctx.string($0.node, "control") }
        guard let receivers = top.take("receivers") else {
            throw ctx.error(root, "receivers", "required: a list of receivers")
        }
        for (i, node) in try ctx.list(receivers.node, "receivers").enumerated() {
            topology.receivers.append(try receiver(node, "receivers[\(i)]", ctx))
        }
        if topology.receivers.isEmpty { throw ctx.error(receivers.node, "receivers", "at least one receiver is required") }
        var names = Set<String>()
        for (i, r) in topology.receivers.enumerated() where !names.insert(r.settings.name).inserted {
            throw ctx.error(try ctx.list(receivers.node, "receivers")[i], "receivers[\(i)].name", "duplicate receiver name '\(r.settings.name)'")
        }
        if let faults = top.take("faults") {
            topology.faults = try ctx.list(faults.node, "faults").enumerated().map { try fault($1, "faults[\($0)]", ctx) }
        }
        if let schedule = top.take("schedule") {
            for (i, node) in try ctx.list(schedule.node, "schedule").enumerated() {
                let a = try action(node, "schedule[\(i)]", ctx)
                if a.receiver != "all", !names.contains(a.receiver) {
                    throw ctx.error(node, "schedule[\(i)].receiver", "no receiver named '\(a.receiver)'")
                }
                topology.schedule.append(a)
            }
        }
        try top.rejectUnknown(ctx, "")
        return topology
    }

    // MARK: Sections

    static func receiver(_ node: Node, _ field: String, _ ctx: Context) throws -> Topology.Receiver {
        var m = try ctx.map(node, field)
        guard let nameNode = m.take("name") else { throw ctx.error(node, "\(field).name", "required") }
        let name = try ctx.string(nameNode.node, "\(field).name")
        guard !name.isEmpty, name != "all", !name.contains("/") else {
            throw ctx.error(nameNode.node, "\(field).name", "must be non-empty, not 'all', without '/'")
        }
        var s = ReceiverSettings(name: name)
        // First: the release decides the defaults of the config file and of the keys below.
        if let v = m.take("fluentd_version") {
            let text = try ctx.string(v.node, "\(field).fluentd_version")
            guard let profile = FluentdReleaseProfile(name: text) else {
                throw ctx.error(v.node, "\(field).fluentd_version", FluentdReleaseProfile.invalidNameMessage(text))
            }
            s.adopt(profile)
        }
        if let config = m.take("config") {
            // An in_forward <source> file as the base; the keys below override it.
            let path = ctx.path(try ctx.string(config.node, "\(field).config"))
            do {
                s = try ReceiverConfigLoader.load(path: path, base: s).settings
            } catch {
                throw ctx.error(config.node, "\(field).config", "\(error)")
            }
        }
        if let v = m.take("bind") { s.bind = try ctx.string(v.node, "\(field).bind") }
        if let v = m.take("port") { s.port = try ctx.int(v.node, "\(field).port", 0 ... 65535) }
        if let v = m.take("backlog") { s.backlog = try ctx.int(v.node, "\(field).backlog", 1 ... 65535) }
        if let v = m.take("linger_timeout") { s.lingerTimeout = try ctx.optionalInt(v.node, "\(field).linger_timeout", 0 ... 3600) }
        if let v = m.take("deny_keepalive") { s.denyKeepalive = try ctx.bool(v.node, "\(field).deny_keepalive") }
        if let v = m.take("send_keepalive_packet") { s.sendKeepalivePacket = try ctx.bool(v.node, "\(field).send_keepalive_packet") }
        if let v = m.take("tcp_nodelay") { s.tcpNoDelay = try ctx.bool(v.node, "\(field).tcp_nodelay") }
        if let v = m.take("chunk_size_limit") { s.chunkSizeLimit = try ctx.int(v.node, "\(field).chunk_size_limit", 0 ... Int.max) }
        if let v = m.take("chunk_size_warn_limit") { s.chunkSizeWarnLimit = try ctx.int(v.node, "\(field).chunk_size_warn_limit", 0 ... Int.max) }
        if let v = m.take("skip_invalid_event") { s.skipInvalidEvent = try ctx.bool(v.node, "\(field).skip_invalid_event") }
        if let v = m.take("udp_heartbeat") { s.udpHeartbeat = try ctx.bool(v.node, "\(field).udp_heartbeat") }
        if let v = m.take("graceful_handshake_close") { s.gracefulHandshakeClose = try ctx.bool(v.node, "\(field).graceful_handshake_close") }
        if let v = m.take("ledger_jsonl") { s.ledger.jsonLinesPath = ctx.path(try ctx.string(v.node, "\(field).ledger_jsonl")) }
        if let v = m.take("sequence_field") { s.ledger.sequenceField = try ctx.string(v.node, "\(field).sequence_field") }
        if let v = m.take("security") { s.security = try security(v.node, "\(field).security", ctx) }
        var fromCA = false
        if let v = m.take("tls") { (s.tls, fromCA) = try tls(v.node, "\(field).tls", ctx) }
        var faults: [FaultSpec] = []
        if let v = m.take("faults") {
            faults = try ctx.list(v.node, "\(field).faults").enumerated().map { try fault($1, "\(field).faults[\($0)]", ctx) }
        }
        try m.rejectUnknown(ctx, field)
        do {
            var check = s
            if fromCA { check.tls?.certPath = "-"; check.tls?.privateKeyPath = "-" }
            try check.validate()
        } catch {
            throw ctx.error(node, field, "\(error)")
        }
        return Topology.Receiver(settings: s, tlsFromTestCA: fromCA, faults: faults)
    }

    static func security(_ node: Node, _ field: String, _ ctx: Context) throws -> ReceiverSecurity {
        var m = try ctx.map(node, field)
        guard let host = m.take("self_hostname") else { throw ctx.error(node, "\(field).self_hostname", "required") }
        guard let key = m.take("shared_key") else { throw ctx.error(node, "\(field).shared_key", "required") }
        var sec = ReceiverSecurity(selfHostname: try ctx.string(host.node, "\(field).self_hostname"),
                                   sharedKey: try ctx.string(key.node, "\(field).shared_key"))
        if let v = m.take("user_auth") { sec.userAuth = try ctx.bool(v.node, "\(field).user_auth") }
        if let v = m.take("allow_anonymous_source") { sec.allowAnonymousSource = try ctx.bool(v.node, "\(field).allow_anonymous_source") }
        if let v = m.take("users") {
            for (i, u) in try ctx.list(v.node, "\(field).users").enumerated() {
                var um = try ctx.map(u, "\(field).users[\(i)]")
                guard let name = um.take("username"), let pass = um.take("password") else {
                    throw ctx.error(u, "\(field).users[\(i)]", "username and password are required")
                }
                sec.users.append(.init(username: try ctx.string(name.node, "\(field).users[\(i)].username"),
                                       password: try ctx.string(pass.node, "\(field).users[\(i)].password")))
                try um.rejectUnknown(ctx, "\(field).users[\(i)]")
            }
        }
        try m.rejectUnknown(ctx, field)
        return sec
    }

    static func tls(_ node: Node, _ field: String, _ ctx: Context) throws -> (ReceiverTLSSettings, Bool) {
        var m = try ctx.map(node, field)
        var t = ReceiverTLSSettings()
        func version(_ key: String) throws -> ReceiverTLSSettings.Version? {
            guard let v = m.take(key) else { return nil }
            let text = try ctx.string(v.node, "\(field).\(key)")
            guard let parsed = ReceiverTLSSettings.Version(fluentd: text) else {
                throw ctx.error(v.node, "\(field).\(key)", "'\(text)' is not TLSv1_1, TLSv1_2 or TLSv1_3")
            }
            return parsed
        }
        let fromCA = try m.take("test_ca").map { try ctx.bool($0.node, "\(field).test_ca") } ?? false
        t.version = try version("version") ?? .tls1_2
        t.minVersion = try version("min_version")
        t.maxVersion = try version("max_version")
        if let v = m.take("cert_path") { t.certPath = ctx.path(try ctx.string(v.node, "\(field).cert_path")) }
        if let v = m.take("private_key_path") { t.privateKeyPath = ctx.path(try ctx.string(v.node, "\(field).private_key_path")) }
        if let v = m.take("private_key_passphrase") { t.privateKeyPassphrase = try ctx.string(v.node, "\(field).private_key_passphrase") }
        if let v = m.take("ca_path") { t.caPath = ctx.path(try ctx.string(v.node, "\(field).ca_path")) }
        if let v = m.take("client_cert_auth") { t.clientCertAuth = try ctx.bool(v.node, "\(field).client_cert_auth") }
        if let v = m.take("insecure") { t.insecure = try ctx.bool(v.node, "\(field).insecure") }
        if let v = m.take("ciphers") { t.ciphers = try ctx.string(v.node, "\(field).ciphers") }
        try m.rejectUnknown(ctx, field)
        if fromCA, t.certPath != nil {
            throw ctx.error(node, "\(field).test_ca", "give either test_ca or cert_path, not both")
        }
        return (t, fromCA)
    }

    /// One fault as YAML, read by this one function wherever it is written: a topology's `faults:`, a scenario
    /// receiver's `faults:` and a scenario timeline's `apply:` step (docs/faults.md). `callerKeys` are keys the
    /// caller reads itself (a step's `receiver`); any other unknown key is an error. Errors name file:line:column.
    public static func faultSpec(_ node: Node, field: String, file: String, callerKeys: Set<String> = []) throws -> FaultSpec {
        try fault(node, field, Context(file: file, base: "."), callerKeys: callerKeys)
    }

    static func fault(_ node: Node, _ field: String, _ ctx: Context, callerKeys: Set<String> = []) throws -> FaultSpec {
        var m = try ctx.map(node, field)
        m.pairs.removeAll { callerKeys.contains($0.key) }
        guard let kindNode = m.take("kind") else { throw ctx.error(node, "\(field).kind", "required") }
        let kind = try ctx.string(kindNode.node, "\(field).kind")
        guard FaultCatalogue.type(of: kind) != nil else {
            throw ctx.error(kindNode.node, "\(field).kind", "unknown fault kind '\(kind)' (known: \(FaultCatalogue.kinds.joined(separator: ", ")))")
        }
        var spec = FaultSpec(kind: kind)
        if let v = m.take("name") { spec.name = try ctx.string(v.node, "\(field).name") }
        var paramsNode: Node?
        if let v = m.take("params") {
            paramsNode = v.node
            guard case let .object(o) = try ctx.value(v.node, "\(field).params") else {
                throw ctx.error(v.node, "\(field).params", "expected a map")
            }
            spec.params = FaultParameters(o)
        }
        if let v = m.take("probability") { spec.probability = try ctx.double(v.node, "\(field).probability") }
        if let v = m.take("enabled") { spec.enabled = try ctx.bool(v.node, "\(field).enabled") }
        if let v = m.take("start_after") { spec.startAfterNanos = try ctx.duration(v.node, "\(field).start_after") }
        if let v = m.take("duration") { spec.durationNanos = try ctx.duration(v.node, "\(field).duration") }
        try m.rejectUnknown(ctx, field)
        do {
            try spec.validate()
            _ = try FaultCatalogue.make(kind: kind, parameters: spec.params)
        } catch let e as FaultError {
            // Point at the offending parameter when there is one.
            var at = paramsNode ?? node
            var sub = field
            switch e {
            case let .invalidParameter(_, name, _), let .unknownParameter(_, name):
                sub = "\(field).params.\(name)"
                if let pm = paramsNode?.mapping, let pair = pm.first(where: { $0.key.string == name }) { at = pair.key }
            case let .missingParameter(_, name): sub = "\(field).params.\(name)"
            default: break
            }
            throw ctx.error(at, sub, e.description)
        }
        return spec
    }

    static func action(_ node: Node, _ field: String, _ ctx: Context) throws -> ScheduledAction {
        var m = try ctx.map(node, field)
        guard let at = m.take("at") else { throw ctx.error(node, "\(field).at", "required") }
        guard let r = m.take("receiver") else { throw ctx.error(node, "\(field).receiver", "required (a name or all)") }
        guard let a = m.take("action") else { throw ctx.error(node, "\(field).action", "required") }
        let actionText = try ctx.string(a.node, "\(field).action")
        guard let kind = ScheduledAction.Action(rawValue: actionText) else {
            throw ctx.error(a.node, "\(field).action", "'\(actionText)' is not one of \(ScheduledAction.Action.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var action = ScheduledAction(atNanos: try ctx.duration(at.node, "\(field).at"), receiver: try ctx.string(r.node, "\(field).receiver"), action: kind)
        if let v = m.take("fault") { action.fault = try ctx.string(v.node, "\(field).fault") }
        if let v = m.take("duration") { action.durationNanos = try ctx.duration(v.node, "\(field).duration") }
        if let v = m.take("spec") { action.spec = try fault(v.node, "\(field).spec", ctx) }
        try m.rejectUnknown(ctx, field)
        switch kind {
        case .enable, .disable, .remove:
            if action.fault == nil { throw ctx.error(node, "\(field).fault", "required for '\(actionText)'") }
        case .add:
            if action.spec == nil { throw ctx.error(node, "\(field).spec", "required for 'add'") }
        default: break
        }
        return action
    }

    static func line(of error: YamlError) -> Int {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _): return mark.line
        default: return 0
        }
    }

    // MARK: Typed reading with locations

    /// A mapping whose keys are consumed one by one, so leftovers can be reported as unknown.
    struct Keys {
        var pairs: [(key: String, keyNode: Node, node: Node)]

        mutating func take(_ key: String) -> (keyNode: Node, node: Node)? {
            guard let i = pairs.firstIndex(where: { $0.key == key }) else { return nil }
            let p = pairs.remove(at: i)
            return (p.keyNode, p.node)
        }

        func rejectUnknown(_ ctx: Context, _ field: String) throws {
            if let p = pairs.first {
                throw ctx.error(p.keyNode, field.isEmpty ? p.key : "\(field).\(p.key)", "unknown key")
            }
        }
    }

    struct Context {
        let file: String
        let base: String

        func error(_ node: Node?, _ field: String, _ message: String) -> TopologyError {
            TopologyError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, field: field, message: message)
        }

        func path(_ p: String) -> String { p.hasPrefix("/") ? p : (base as NSString).appendingPathComponent(p) }

        func map(_ node: Node, _ field: String) throws -> Keys {
            guard let m = node.mapping else { throw error(node, field, "expected a map") }
            var pairs: [(String, Node, Node)] = []
            for (k, v) in m {
                guard let key = k.string else { throw error(k, field, "keys must be strings") }
                if pairs.contains(where: { $0.0 == key }) { throw error(k, "\(field).\(key)", "duplicate key") }
                pairs.append((key, k, v))
            }
            return Keys(pairs: pairs)
        }

        func list(_ node: Node, _ field: String) throws -> [Node] {
            guard let s = node.sequence else { throw error(node, field, "expected a list") }
            return Array(s)
        }

        func string(_ node: Node, _ field: String) throws -> String {
            guard case .scalar = node, let s = node.string else { throw error(node, field, "expected a string") }
            return s
        }

        func bool(_ node: Node, _ field: String) throws -> Bool {
            guard let b = node.bool else { throw error(node, field, "expected true or false") }
            return b
        }

        func int(_ node: Node, _ field: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let i = node.int else { throw error(node, field, "expected an integer") }
            guard range.contains(i) else { throw error(node, field, "\(i) is outside \(range.lowerBound)...\(range.upperBound)") }
            return i
        }

        func optionalInt(_ node: Node, _ field: String, _ range: ClosedRange<Int>) throws -> Int? {
            if node.null != nil { return nil }
            return try int(node, field, range)
        }

        func double(_ node: Node, _ field: String) throws -> Double {
            guard let d = node.float, d.isFinite else { throw error(node, field, "expected a number") }
            return d
        }

        func duration(_ node: Node, _ field: String) throws -> Int64 {
            guard case .scalar = node, let s = node.string else { throw error(node, field, "expected a duration such as 200ms, 1.5s or 2m") }
            guard let n = DurationText.parse(s) else { throw error(node, field, DurationText.problem(s)) }
            return n
        }

        /// Any YAML value as a `FaultValue` (scalars resolved by the YAML core schema).
        func value(_ node: Node, _ field: String) throws -> FaultValue {
            switch node {
            case .scalar:
                switch node.tag.rawValue {
                case Tag.Name.null.rawValue: return .null
                case Tag.Name.bool.rawValue: return node.bool.map(FaultValue.bool) ?? .string(node.string ?? "")
                case Tag.Name.int.rawValue, Tag.Name.float.rawValue: return node.float.map(FaultValue.number) ?? .string(node.string ?? "")
                default: return .string(node.string ?? "")
                }
            case let .sequence(s):
                return .array(try s.enumerated().map { try value($1, "\(field)[\($0)]") })
            case let .mapping(m):
                var o: [String: FaultValue] = [:]
                for (k, v) in m {
                    guard let key = k.string else { throw error(k, field, "keys must be strings") }
                    o[key] = try value(v, "\(field).\(key)")
                }
                return .object(o)
            case .alias:
                throw error(node, field, "aliases are not supported")
            }
        }
    }
}
