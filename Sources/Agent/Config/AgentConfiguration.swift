import FluentdConfig

/// The agent's whole configuration: `<system>`, `<source>`s and `<match>`es, validated, with warnings and the
/// resolved value of every parameter.
///
/// ```swift
/// let config = try AgentConfiguration.load(path: "fixtures/configs/relay-two-receivers.conf")
/// for w in config.warnings { print(w) }
/// let fwd = config.forwardOutputs.first!   // ForwardOutputConfig: settings, servers, buffer, ...
/// ```
/// Errors are `ConfigError`s whose description is `file:line: message`.
public struct AgentConfiguration: Sendable {
    public var system: SystemConfig
    public var sources: [SourceConfig]
    /// Top-level matches first, then those inside `<label>` sections, each in written order.
    public var matches: [MatchConfig]
    /// Parser and validation warnings (deprecated and v0.12 names, ignored parameters, ...), in order.
    public var warnings: [ConfigWarning]
    /// Every parameter with its resolved value and whether it is a default (for `--dry-run`).
    public var effectiveSettings: [EffectiveSetting]
    /// The main file, when loaded from one (what a reload re-reads).
    public var path: String?
    /// Every file read (main file first, then `@include`d files).
    public var files: [String]
    /// The configuration rendered back as text with secrets masked (for `config.dump` / `config.getDump`).
    public var configText: String

    /// Names whose values are never shown (Fluentd marks them `secret: true`).
    public static let secretParameterNames: Set<String> = [
        "shared_key", "password", "tls_client_private_key_passphrase", "tls_cert_thumbprint", "private_key_passphrase",
        "ca_private_key_passphrase",
    ]

    /// Reads, parses and validates the file at `path` (following `@include`, expanding `"#{ENV['X']}"`).
    public static func load(path: String, options: ConfigParseOptions = .init()) throws -> AgentConfiguration {
        let document = try ConfigDocument.load(path: path, options: options)
        return try AgentConfiguration(document: document, path: path)
    }

    /// Parses and validates configuration text; `file` labels error locations.
    public static func parse(text: String, file: String = "<config>", options: ConfigParseOptions = .init()) throws -> AgentConfiguration {
        let document = try ConfigDocument.parse(text: text, file: file, options: options)
        return try AgentConfiguration(document: document, path: nil)
    }

    /// Validates an already parsed document.
    public init(document: ConfigDocument, path: String? = nil) throws {
        var ctx = ConfigBuildContext()
        ctx.warnings = document.warnings
        let root = document.root
        var rootReader = SectionReader(root, path: "top level")

        let systems = try rootReader.raw.sections("system")
        if systems.count > 1 {
            throw ConfigError("<system> section cannot be written twice or more (first at \(systems[0].location))", at: systems[1].location)
        }
        system = try SystemConfig.parse(systems.first, root: root, into: &ctx)

        var sources: [SourceConfig] = []
        for (i, el) in try rootReader.raw.sections("source").enumerated() {
            sources.append(try SourceConfig.parse(el, index: i, into: &ctx))
        }
        var matches: [MatchConfig] = []
        for el in try rootReader.raw.sections("match") {
            matches.append(try MatchConfig.parse(el, label: nil, into: &ctx))
        }
        var labelNames: [String] = []
        for el in try rootReader.raw.sections("label") {
            let name = el.argument
            guard name.hasPrefix("@"), name.count > 1 else {
                throw ConfigError("label name must start with '@': <label \(name)>", at: el.location)
            }
            if labelNames.contains(name) { throw ConfigError("Section <label \(name)> appears twice", at: el.location) }
            labelNames.append(name)
            var lr = SectionReader(el, path: "<label \(name)>")
            for f in try lr.raw.sections("filter") {
                throw ConfigError("<filter> is not supported by the ForwardLab agent (in \(el.context))", at: f.location)
            }
            for m in try lr.raw.sections("match") {
                matches.append(try MatchConfig.parse(m, label: name, into: &ctx))
            }
            try ctx.finish(lr)
        }
        for f in try rootReader.raw.sections("filter") {
            throw ConfigError("<filter> is not supported by the ForwardLab agent (supported: <system>, <source>, <match>, <label>)", at: f.location)
        }
        for w in try rootReader.raw.sections("worker") {
            throw ConfigError("<worker> is not supported: the ForwardLab agent runs a single worker", at: w.location)
        }
        try ctx.finish(rootReader)

        // Routing checks: labels used by sources must exist; warn about sample tags nothing matches.
        for s in sources {
            if let l = s.label, l != "@ROOT", !labelNames.contains(l) {
                throw ConfigError("unknown label \(l) (no <label \(l)> section)", at: s.location)
            }
            if case .sample(let sample) = s {
                let candidates = matches.filter { $0.label == (sample.label == "@ROOT" ? nil : sample.label) }
                if !candidates.contains(where: { $0.matches(sample.tag) }) {
                    ctx.warn("no <match> pattern matches tag '\(sample.tag)' of this sample source; its events are dropped", at: sample.location)
                }
            }
        }

        self.sources = sources
        self.matches = matches
        self.warnings = ctx.warnings
        self.effectiveSettings = ctx.settings
        self.path = path
        self.files = document.files
        self.configText = Self.masked(root).rendered()
    }

    /// The first match (in the given label, or top level) whose patterns match `tag`, as Fluentd routes events.
    public func route(tag: String, label: String? = nil) -> MatchConfig? {
        let l = label == "@ROOT" ? nil : label
        return matches.first { $0.label == l && $0.matches(tag) }
    }

    /// Every forward output (top-level and in labels), in order.
    public var forwardOutputs: [ForwardOutputConfig] { matches.compactMap(\.output.forward) }

    /// The effective settings as aligned text lines (`section name = value (default|file:line)`).
    public func effectiveSettingsReport() -> String {
        var out = ""
        var lastSection = ""
        for s in effectiveSettings {
            if s.section != lastSection {
                out += "\(s.section)\n"
                lastSection = s.section
            }
            let name = s.name.padding(toLength: max(s.name.count, 34), withPad: " ", startingAt: 0)
            var origin = s.isDefault ? "default" : s.location.map(\.description) ?? "set"
            if let note = s.note { origin += "; \(note)" }
            out += "  \(name) \(s.value)  (\(origin))\n"
        }
        return out
    }

    static func masked(_ e: ConfigElement) -> ConfigElement {
        ConfigElement(
            name: e.name, argument: e.argument,
            params: e.params.map { secretParameterNames.contains($0.name) ? ConfigParam(name: $0.name, value: "xxxxxx", location: $0.location) : $0 },
            children: e.children.map(masked), location: e.location, ancestors: e.ancestors)
    }
}
