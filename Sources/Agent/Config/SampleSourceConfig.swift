import FluentdConfig

/// `<source> @type sample` (in_sample, formerly `dummy`): generates events from fixed records.
public struct SampleSourceConfig: Sendable, Equatable {
    public var tag: String
    /// Events per second.
    public var rate = 1
    /// Events per emitted stream.
    public var size = 1
    /// When set, each record gets this key with an increasing integer.
    public var autoIncrementKey: String? = nil
    /// `suspend` (deprecated and ignored by Fluentd v1.16; kept for completeness).
    public var suspend = false
    /// The records, cycled in order; each is a JSON object. Default `[{"message":"sample"}]`.
    public var records: [ConfigJSON] = [.object([(key: "message", value: .string("sample"))])]
    /// `@label` routing.
    public var label: String? = nil
    public var location: ConfigLocation
    /// The `<source>` section as written (monitor_agent lists its parameters).
    public var element: ConfigElement?

    public init(tag: String, location: ConfigLocation) {
        self.tag = tag
        self.location = location
    }

    static func parse(_ element: ConfigElement, path: String, into ctx: inout ConfigBuildContext) throws -> SampleSourceConfig {
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        if element.type == "dummy", let p = element.param("@type") ?? element.param("type") {
            r.warn("'@type dummy' is the old name of 'sample' (\(r.context))", at: p.location)
        }
        var c = SampleSourceConfig(tag: try r.requiredString("tag"), location: element.location)
        c.label = element.label
        c.element = element
        c.rate = try r.integer("rate", default: 1)
        c.size = try r.integer("size", default: 1)
        if c.rate < 1 { throw r.error("rate must be 1 or more", at: r.written(["rate"])?.location) }
        if c.size < 1 { throw r.error("size must be 1 or more", at: r.written(["size"])?.location) }
        c.autoIncrementKey = try r.optionalString("auto_increment_key")
        if let p = r.written(["suspend"]) {
            r.warn("'suspend' parameter is deprecated: This parameter is ignored (\(r.context))", at: p.location)
        }
        c.suspend = try r.bool("suspend", default: false)
        let recordsType = ConfigValueType<[ConfigJSON]>(name: "json") { text in
            let parsed = try ConfigValueTypes.json(text)
            let items: [ConfigJSON]
            if case .array(let a) = parsed { items = a } else { items = [parsed] }
            for (i, item) in items.enumerated() {
                guard case .object = item else { throw ConfigError("\(i)th element of sample, \(item), is not a hash", at: nil) }
            }
            return items
        }
        c.records = try r.value("sample", recordsType, default: c.records, aliases: ["dummy"]) { records in
            "[" + records.map(\.description).joined(separator: ",") + "]"
        }
        try ctx.finish(r)
        return c
    }
}
