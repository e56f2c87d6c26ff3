import FluentdConfig

/// `<match> @type copy` (out_copy.rb): every `<store>` gets the events, in order (docs/pipeline.md, "copy").
public struct CopyOutputConfig: Sendable, Equatable {
    /// `copy_mode`. The agent's records are immutable values, so every mode gives each store its own copy: what
    /// Fluentd's `no_copy` shares (the same record objects) cannot be changed by any store the agent runs.
    public enum CopyMode: String, Sendable, Equatable, CaseIterable {
        case noCopy = "no_copy", shallow, deep, marshal
    }

    /// One `<store [ignore_error] [ignore_if_prev_success]>`.
    public struct Store: Sendable, Equatable {
        public var output: OutputConfig
        /// `ignore_error`: an emit error in this store is logged and the next stores still get the events.
        public var ignoreError: Bool
        /// `ignore_if_prev_success`: skipped when the store before it succeeded.
        public var ignoreIfPrevSuccess: Bool
        public var element: ConfigElement
    }

    public var copyMode: CopyMode = .noCopy
    public var stores: [Store] = []

    static func parse(_ element: ConfigElement, path: String, into ctx: inout ConfigBuildContext) throws -> CopyOutputConfig {
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        var c = CopyOutputConfig()
        let deep = try r.bool("deep_copy", default: false)
        if let p = r.written(["deep_copy"]) {
            r.warn("'deep_copy' parameter is deprecated: use 'copy_mode' parameter instead (in \(element.context))", at: p.location)
        }
        c.copyMode = try r.value("copy_mode", .enumeration(CopyMode.allCases.map(\.rawValue)), default: .noCopy) { $0.rawValue } map: {
            CopyMode(rawValue: $0)!
        }
        // out_copy: deep_copy true means shallow.
        if deep { c.copyMode = .shallow }
        let stores = try r.raw.sections("store")
        if stores.isEmpty {
            throw ConfigError("<store> sections are required (in \(element.context))", at: element.location)
        }
        for (i, el) in stores.enumerated() {
            let args = el.arguments
            if i == 0 && args.contains("ignore_if_prev_success") {
                throw ConfigError("ignore_if_prev_success must specify 2nd or later <store> directives (in \(element.context))", at: el.location)
            }
            guard let type = el.type, !type.isEmpty else {
                throw ConfigError("Missing '@type' parameter in <store> section (in \(element.context))", at: el.location)
            }
            let output = try OutputConfig.parse(el, type: type, path: "\(path) <store>[\(i)]", asSecondary: false, primaryBuffer: nil, into: &ctx)
            c.stores.append(Store(output: output, ignoreError: args.contains("ignore_error"),
                                  ignoreIfPrevSuccess: args.contains("ignore_if_prev_success"), element: el))
        }
        if c.stores.allSatisfy(\.ignoreError) && !c.stores.contains(where: \.ignoreIfPrevSuccess) {
            ctx.warn("ignore_errors are specified in all <store>, but ignore_if_prev_success is not specified. Is this intended?", at: element.location)
        }
        try ctx.finish(r)
        return c
    }
}

/// `<match> @type relabel` (out_relabel.rb): the events go on, with their tag, to the `@label` section's routing.
public struct RelabelOutputConfig: Sendable, Equatable {
    /// The target label (`@ROOT` or nil: the top-level routing).
    public var label: String?

    static func parse(_ element: ConfigElement, path: String, into ctx: inout ConfigBuildContext) throws -> RelabelOutputConfig {
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        let label = element.label
        if let label { r.record("@label", label, isDefault: false, location: element.param("@label")?.location) }
        try ctx.finish(r)
        return RelabelOutputConfig(label: label == "@ROOT" ? nil : label)
    }
}
