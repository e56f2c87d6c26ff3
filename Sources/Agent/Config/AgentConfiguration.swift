import FluentdConfig
import Foundation

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
    /// Every `<filter>` (top-level and in labels), in written order; `routing` says where each applies.
    public var filters: [FilterConfig] = []
    /// Filters and matches per label in Fluentd's order: what `route(tag:label:)` resolves.
    public var routing = RoutingTable()
    /// For each source, the workers it runs on (nil: every worker), from `<worker N>` / `<worker N-M>` sections.
    public var sourceWorkers: [ClosedRange<Int>?] = []
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
        var sourceWorkers: [ClosedRange<Int>?] = []
        var matches: [MatchConfig] = []
        var filters: [FilterConfig] = []
        var routing = RoutingTable()
        var labelNames: [String] = []
        // root_agent.rb appends each <worker> section's elements after the top-level ones, so its rules come last.
        var scopes: [(element: ConfigElement, workers: ClosedRange<Int>?)] = [(root, nil)]
        scopes += try Self.workerSections(&rootReader, workers: system.workers)
        for (scopeIndex, scope) in scopes.enumerated() {
            var scopeReader = scopeIndex == 0 ? rootReader : SectionReader(scope.element, path: scope.element.tag)
            func addRules(_ reader: inout SectionReader, label: String?) throws {
                let key = label ?? RoutingTable.root
                for el in try reader.raw.sections("filter", aliases: ["match"]) {
                    if el.name == "filter" {
                        routing.rules[key, default: []].append(.init(rule: .filter(filters.count), workers: scope.workers))
                        filters.append(try FilterConfig.parse(el, label: label, into: &ctx))
                    } else {
                        routing.rules[key, default: []].append(.init(rule: .match(matches.count), workers: scope.workers))
                        matches.append(try MatchConfig.parse(el, label: label, into: &ctx))
                    }
                }
            }
            for el in try scopeReader.raw.sections("source") {
                sources.append(try SourceConfig.parse(el, index: sources.count, into: &ctx))
                sourceWorkers.append(scope.workers)
            }
            try addRules(&scopeReader, label: nil)
            for el in try scopeReader.raw.sections("label") {
                let name = el.argument
                guard !name.isEmpty else { throw ConfigError("Missing symbol argument on <label> directive", at: el.location) }
                guard name.hasPrefix("@"), name.count > 1 else {
                    throw ConfigError("label name must start with '@': <label \(name)>", at: el.location)
                }
                if name == RoutingTable.root {
                    throw ConfigError("@ROOT for <label> is not permitted, reserved for getting root router", at: el.location)
                }
                if labelNames.contains(name) { throw ConfigError("Section <label \(name)> appears twice", at: el.location) }
                labelNames.append(name)
                var lr = SectionReader(el, path: "<label \(name)>")
                try addRules(&lr, label: name)
                try ctx.finish(lr)
            }
            if scopeIndex > 0 { try ctx.finish(scopeReader) } else { rootReader = scopeReader }
        }
        try ctx.finish(rootReader)

        // Routing checks: labels used by sources and relabel outputs must exist; warn about sample tags nothing matches.
        for (i, s) in sources.enumerated() {
            // in_tail is not multi-worker ready: with workers > 1 it must sit in a one-worker <worker N> section.
            if case .tail = s, (sourceWorkers[i]?.count ?? system.workers) > 1 {
                throw ConfigError("Plugin 'tail' does not support multi workers configuration (Fluent::Plugin::TailInput)", at: s.location)
            }
            if let l = s.label, l != RoutingTable.root, !labelNames.contains(l) {
                throw ConfigError("unknown label \(l) (no <label \(l)> section)", at: s.location)
            }
            if case .sample(let sample) = s {
                let route = routing.resolve(tag: sample.tag, label: sample.label, worker: sourceWorkers[i]?.lowerBound ?? 0,
                                            filters: filters, matches: matches)
                if case .unmatched = route.target {
                    ctx.warn("no <match> pattern matches tag '\(sample.tag)' of this sample source; its events are dropped", at: sample.location)
                }
            }
        }
        func checkRelabels(_ output: OutputConfig, at location: ConfigLocation) throws {
            switch output {
            case .relabel(let r):
                if let l = r.label, !labelNames.contains(l) {
                    throw ConfigError("unknown label \(l) in @type relabel (no <label \(l)> section)", at: location)
                }
            case .copy(let c):
                for s in c.stores { try checkRelabels(s.output, at: s.element.location) }
            default: break
            }
        }
        for m in matches { try checkRelabels(m.output, at: m.location) }

        self.filters = filters
        self.routing = routing
        self.sourceWorkers = sourceWorkers
        self.sources = sources
        self.matches = matches
        self.warnings = ctx.warnings
        self.effectiveSettings = ctx.settings
        self.path = path
        self.files = document.files
        self.configText = Self.masked(root).rendered()
        for (i, site) in forwardOutputSites.enumerated() { self.routing.forwardIndex[site.location] = i }
    }

    /// The first match (in the given label, or top level) whose patterns match `tag`, as Fluentd routes events.
    public func route(tag: String, label: String? = nil) -> MatchConfig? {
        let l = label == "@ROOT" ? nil : label
        return matches.first { $0.label == l && $0.matches(tag) }
    }

    /// The full route of `tag` entering `label` on `worker`: filters, relabels and copies resolved.
    public func resolvedRoute(tag: String, label: String? = nil, worker: Int = 0) -> RoutingTable.Route {
        routing.resolve(tag: tag, label: label, worker: worker, filters: filters, matches: matches)
    }

    /// `<worker N>` / `<worker N-M>` sections, validated as root_agent.rb does.
    static func workerSections(_ reader: inout SectionReader, workers: Int) throws -> [(element: ConfigElement, workers: ClosedRange<Int>?)] {
        var out: [(element: ConfigElement, workers: ClosedRange<Int>?)] = []
        var used = Set<Int>()
        for w in try reader.raw.sections("worker") {
            let arg = w.argument.trimmingCharacters(in: .whitespaces)
            guard !arg.isEmpty else { throw ConfigError("Missing worker id on <worker> directive", at: w.location) }
            let parts = arg.split(separator: "-", omittingEmptySubsequences: false)
            let range: ClosedRange<Int>
            // Ruby's to_i: a non-number is 0.
            func toI(_ s: Substring) -> Int { Int(s.prefix { $0.isNumber }) ?? 0 }
            if parts.count == 2 {
                let (a, b) = (toI(parts[0]), toI(parts[1]))
                if a > b {
                    throw ConfigError("greater first_worker_id<\(a)> than last_worker_id<\(b)> specified by <worker> directive is not allowed. Available multi worker assign syntax is <smaller_worker_id>-<greater_worker_id>", at: w.location)
                }
                range = a...b
            } else {
                let n = arg.hasPrefix("-") ? -1 : toI(Substring(arg))
                range = n...n
            }
            for id in range {
                if id < 0 || id > workers - 1 {
                    throw ConfigError("worker id \(id) specified by <worker> directive is not allowed. Available worker id is between 0 and \(workers - 1)", at: w.location)
                }
                if parts.count == 2 {
                    if used.contains(id) {
                        throw ConfigError("specified worker_id<\(id)> collisions is detected on <worker> directive. Available worker id(s): \((0..<workers).filter { !used.contains($0) })", at: w.location)
                    }
                    used.insert(id)
                }
            }
            for child in w.children where !["source", "match", "filter", "label"].contains(child.name) {
                throw ConfigError("<worker> section cannot have <\(child.name)> directive", at: child.location)
            }
            out.append((w, range))
        }
        return out
    }

    /// Every forward output (top-level, in labels and in copy stores), in order.
    public var forwardOutputs: [ForwardOutputConfig] { forwardOutputSites.compactMap(\.output.forward) }

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
