import Foundation
import FluentdConfig
import Yams

/// One `<service_discovery>` of out_forward (Fluentd 1.16.9's sd_static, sd_file and sd_srv; docs/agent-parameters.md,
/// "<service_discovery>").
public enum ServiceDiscoveryConfig: Sendable, Equatable {
    /// `@type static`: its `<service>` sections, read like `<server>` sections.
    case `static`([ServerConfig])
    /// `@type file`: a YAML or JSON list of servers, watched for changes.
    case file(FileServiceDiscoveryConfig)
    /// `@type srv`: DNS SRV records, queried every `interval`.
    case srv(SRVServiceDiscoveryConfig)

    /// The sources whose list changes after start, in configuration order.
    public var dynamicKind: ServiceDiscoveryKind? {
        switch self {
        case .static: nil
        case .file: .file
        case .srv: .srv
        }
    }

    static func parse(_ element: ConfigElement, index: Int, parentPath: String, into ctx: inout ConfigBuildContext) throws -> ServiceDiscoveryConfig {
        let path = "\(parentPath) <service_discovery>[\(index)]"
        var r = SectionReader(element, path: path)
        r.raw.ignore("@type", "type")
        guard let type = element.type else {
            throw ConfigError("'@type' parameter is required, in section service_discovery (\(r.context))", at: element.location)
        }
        let result: ServiceDiscoveryConfig
        switch type {
        case "static":
            var services: [ServerConfig] = []
            for (i, el) in try r.raw.sections("service").enumerated() {
                services.append(try ServerConfig.parse(el, index: i, parentPath: path, sectionName: "service", into: &ctx))
            }
            result = .static(services)
        case "file":
            var f = FileServiceDiscoveryConfig()
            f.path = try r.string("path", default: FileServiceDiscoveryConfig.defaultPath)
            f.encoding = try r.string("conf_encoding", default: "utf-8")
            if ServiceListFile.encoding(named: f.encoding) == nil {
                r.warn("Unsupported encoding \(f.encoding) ignored: \(f.path) is read as UTF-8 (\(r.context))", at: r.written(["conf_encoding"])?.location)
            }
            let at = r.written(["path"])?.location ?? element.location
            guard FileManager.default.fileExists(atPath: f.path) else {
                throw ConfigError("sd_file: path=\(f.path) not found (\(r.context))", at: at)
            }
            do {
                f.initial = try ServiceListFile.read(path: f.path, encoding: f.encoding)
            } catch {
                throw ConfigError("\(error.configureMessage(path: f.path)) (\(r.context))", at: at)
            }
            result = .file(f)
        case "srv":
            var s = SRVServiceDiscoveryConfig(service: "", hostname: "")
            s.service = try r.requiredString("service")
            s.proto = try r.string("proto", default: "tcp")
            s.hostname = try r.requiredString("hostname")
            s.dnsServerHost = try r.optionalString("dns_server_host")
            s.interval = try r.integer("interval", default: 60)
            if s.interval <= 0 {
                // Fluentd would run its timer with a zero or negative period (a busy loop); refused here.
                throw r.error("interval must be a positive number of seconds", at: r.written(["interval"])?.location)
            }
            s.dnsLookup = try r.bool("dns_lookup", default: true)
            s.sharedKey = try r.optionalString("shared_key", secret: true)
            s.username = try r.string("username", default: "")
            s.password = try r.string("password", default: "", secret: true)
            if let d = s.dnsServerHost, HostPort.parse(d, defaultPort: 53) == nil {
                throw r.error("dns_server_host must be an IP address or IP:PORT (got '\(d)')", at: r.written(["dns_server_host"])?.location)
            }
            result = .srv(s)
        default:
            throw ConfigError("Unknown sd plugin '\(type)'. Run 'gem search -rd fluent-plugin' to find plugins (\(r.context))",
                              at: element.param("@type")?.location ?? element.location)
        }
        try ctx.finish(r)
        return result
    }
}

/// `@type file`'s parameters and the list read at configure.
public struct FileServiceDiscoveryConfig: Sendable, Equatable {
    /// sd_file's default path (without `DEFAULT_SD_FILE_PATH` in the environment).
    public static let defaultPath = ProcessInfo.processInfo.environment["DEFAULT_SD_FILE_PATH"] ?? "/etc/fluent/sd.yaml"
    public var path = FileServiceDiscoveryConfig.defaultPath
    public var encoding = "utf-8"
    /// The servers the file listed at configure (they become nodes with the `<server>`s).
    public var initial: [DiscoveredService] = []

    public init() {}
}

/// `@type srv`'s parameters (RFC 2782 name `_SERVICE._PROTO.HOSTNAME`).
public struct SRVServiceDiscoveryConfig: Sendable, Equatable {
    public var service: String
    public var proto = "tcp"
    public var hostname: String
    /// `IP` or `IP:PORT` of the DNS server; nil → the system's resolver configuration.
    public var dnsServerHost: String?
    /// Seconds between queries.
    public var interval = 60
    /// Resolve each target to its first address (else the target name is the node's host).
    public var dnsLookup = true
    public var sharedKey: String?
    public var username = ""
    public var password = ""

    public init(service: String, hostname: String) {
        self.service = service
        self.hostname = hostname
    }

    /// The SRV name queried.
    public var target: String { "_\(service)._\(proto).\(hostname)" }
}

/// Why a service list could not be read, worded as Ruby's exception in sd_file's `fetch_server_info`.
public struct ServiceListError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened (sd_file raises a ConfigError with the path).
        case open
        /// YAML or JSON syntax (Psych/JSON exceptions; Fluentd does not turn them into a ConfigError at configure).
        case syntax
        /// The document is empty (`nil.map`: NoMethodError).
        case empty
        /// An entry misses `host` or `port` (KeyError, turned into a ConfigError).
        case missingKey
        /// The document or an entry has the wrong shape (TypeError / NoMethodError in Ruby).
        case shape
    }

    public var kind: Kind
    /// The text Fluentd logs after `sd_file: ` when a refresh fails.
    public var message: String

    public var description: String { message }

    /// At configure only the missing-key and open failures are ConfigErrors in Fluentd; the others abort its start
    /// with a Ruby exception and a backtrace. Either way the start is refused; here always a ConfigError naming the file.
    func configureMessage(path: String) -> String {
        switch kind {
        case .open, .missingKey: message
        default: "sd_file: path=\(path): \(message)"
        }
    }
}

/// sd_file's reader: the file type from the extension (`yaml`/`yml`/`json`, anything else YAML), then a list of
/// maps with `host`, `port` and optional `name`, `weight` (60), `standby`, `username`, `password`, `shared_key`.
public enum ServiceListFile {
    /// Reads and parses `path` (the shell calls it on the thread pool).
    public static func read(path: String, encoding: String = "utf-8") throws(ServiceListError) -> [DiscoveredService] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw ServiceListError(kind: .open, message: "sd_file: path=\(path) couldn't open \(reason)")
        }
        let enc = Self.encoding(named: encoding) ?? .utf8
        guard let text = String(data: data, encoding: enc) else {
            throw ServiceListError(kind: .syntax, message: "invalid byte sequence in \(encoding)")
        }
        return try parse(text, json: isJSON(path: path))
    }

    /// JSON when the name's first extension is `json` (sd_file splits the base name at its first dot).
    public static func isJSON(path: String) -> Bool {
        let base = (path as NSString).lastPathComponent
        guard let dot = base.firstIndex(of: ".") else { return false }
        return base[base.index(after: dot)...] == "json"
    }

    /// The text encodings `conf_encoding` may name (Ruby names, case-insensitive); nil: unknown.
    public static func encoding(named name: String) -> String.Encoding? {
        switch name.lowercased() {
        case "utf-8", "utf8": .utf8
        case "us-ascii", "ascii": .ascii
        case "iso-8859-1", "latin1", "iso8859-1": .isoLatin1
        case "utf-16": .utf16
        case "utf-16le": .utf16LittleEndian
        case "utf-16be": .utf16BigEndian
        case "windows-1252", "cp1252": .windowsCP1252
        case "shift_jis", "sjis": .shiftJIS
        case "euc-jp": .japaneseEUC
        default: nil
        }
    }

    /// Parses a whole file's text.
    public static func parse(_ text: String, json: Bool) throws(ServiceListError) -> [DiscoveredService] {
        let document: Any?
        if json {
            guard let data = text.data(using: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ServiceListError(kind: .syntax, message: "unexpected end of input")
            }
            do {
                document = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            } catch {
                throw ServiceListError(kind: .syntax, message: "unexpected token in JSON: \((error as NSError).localizedDescription)")
            }
        } else {
            do {
                document = try Yams.load(yaml: text)
            } catch {
                throw ServiceListError(kind: .syntax, message: "(<unknown>): \(psychStyle(error))")
            }
        }
        let entries: [Any]
        switch document {
        case nil, is NSNull:
            throw ServiceListError(kind: .empty, message: "undefined method `map' for nil:NilClass")
        case let list as [Any]:
            entries = list
        case is [AnyHashable: Any]:
            // Ruby maps a Hash to [key, value] pairs, and `pair.fetch('host')` is an Array index with a String.
            throw ServiceListError(kind: .shape, message: "no implicit conversion of String into Integer")
        case let other?:
            throw ServiceListError(kind: .shape, message: "undefined method `map' for \(rubyInspect(other))")
        }
        var out: [DiscoveredService] = []
        for e in entries {
            guard let m = e as? [AnyHashable: Any] else {
                if e is [Any] { throw ServiceListError(kind: .shape, message: "no implicit conversion of String into Integer") }
                throw ServiceListError(kind: .shape, message: "undefined method `fetch' for \(rubyInspect(e))")
            }
            func value(_ k: String) -> Any? {
                guard let v = m[k] ?? m[AnyHashable(k)] else { return nil }
                return v is NSNull ? nil : v
            }
            for key in ["host", "port"] where m[key] == nil {
                throw ServiceListError(kind: .missingKey, message: "key not found: \"\(key)\". Service must have `host` and `port`")
            }
            guard let host = scalarText(value("host")), !host.isEmpty else {
                throw ServiceListError(kind: .shape, message: "host must be a non-empty string (entry \(out.count + 1))")
            }
            guard let port = integer(value("port")), (0...65535).contains(port) else {
                throw ServiceListError(kind: .shape, message: "port must be an integer within 0-65535 (entry \(out.count + 1), host \(host))")
            }
            var weight = 60
            if m["weight"] != nil {
                guard let w = integer(value("weight")) else {
                    throw ServiceListError(kind: .shape, message: "weight must be an integer (entry \(out.count + 1), host \(host))")
                }
                weight = w
            }
            var standby: Bool?
            if let s = value("standby") {
                guard let b = s as? Bool else {
                    throw ServiceListError(kind: .shape, message: "standby must be true or false (entry \(out.count + 1), host \(host))")
                }
                standby = b
            }
            out.append(DiscoveredService(plugin: "file", host: host, port: port, name: scalarText(value("name")), weight: weight,
                                         standby: standby, username: scalarText(value("username")),
                                         password: scalarText(value("password")), sharedKey: scalarText(value("shared_key"))))
        }
        return out
    }

    /// libyaml's problem and context as Psych words them: `PROBLEM CONTEXT at line L column C` (libyaml is the parser
    /// under both, so the texts match; the mark is the problem's).
    static func psychStyle(_ error: Error) -> String {
        guard let e = error as? YamlError else { return "\(error)" }
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let words = [problem, context?.text].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return "\(words) at line \(mark.line) column \(mark.column)"
        default:
            return "\(e)".components(separatedBy: "\n").first ?? "\(e)"
        }
    }

    private static func scalarText(_ v: Any?) -> String? {
        switch v {
        case let s as String: s
        case let i as Int: String(i)
        case let d as Double: String(d)
        default: nil
        }
    }

    private static func integer(_ v: Any?) -> Int? {
        switch v {
        case let i as Int: i
        case let s as String: Int(s)
        case let d as Double where d == d.rounded(): Int(d)
        default: nil
        }
    }

    private static func rubyInspect(_ v: Any) -> String {
        switch v {
        case let s as String: "\"\(s)\":String"
        case let b as Bool: b ? "true:TrueClass" : "false:FalseClass"
        case let i as Int: "\(i):Integer"
        case let d as Double: "\(d):Float"
        default: "\(v)"
        }
    }
}

extension ServiceDiscoveryConfig {
    /// The servers known at configure: a static discovery's `<service>`s, a file's first list (duplicates collapse
    /// into one node, as in Fluentd's services hash); none for SRV (queried when the output starts).
    public var initialServers: [ServerConfig] {
        switch self {
        case .static(let s):
            return s
        case .file(let f):
            var seen = Set<DiscoveredService>()
            return f.initial.filter { seen.insert($0).inserted }.map { ServerConfig(discovered: $0) }
        case .srv:
            return []
        }
    }
}
