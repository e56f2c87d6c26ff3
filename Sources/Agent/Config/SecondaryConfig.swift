import FluentdConfig

/// `<secondary>` (docs/forward-protocol.md, "Secondary"): the output that takes chunks after `retry_secondary_threshold` or on unrecoverable errors.
public struct SecondaryConfig: Sendable, Equatable {
    /// The secondary output (`@type` defaults to the primary's type).
    public var output: OutputConfig
    public var location: ConfigLocation

    public init(output: OutputConfig, location: ConfigLocation) {
        self.output = output
        self.location = location
    }

    static func parse(
        _ element: ConfigElement, primaryType: String, primaryBuffer: BufferConfig, path: String, into ctx: inout ConfigBuildContext
    ) throws -> SecondaryConfig {
        if let b = element.child(named: "buffer") {
            throw ConfigError("<secondary> section cannot have <buffer> section (in \(element.context))", at: b.location)
        }
        if let s = element.child(named: "secondary") {
            throw ConfigError("<secondary> section cannot have <secondary> section (in \(element.context))", at: s.location)
        }
        if primaryBuffer.retryForever {
            ctx.warn("<secondary> with 'retry_forever', only unrecoverable errors are moved to secondary (in \(element.context))", at: element.location)
        }
        let type = element.type ?? primaryType
        let output = try OutputConfig.parse(element, type: type, path: path, asSecondary: true, primaryBuffer: primaryBuffer, into: &ctx)
        return SecondaryConfig(output: output, location: element.location)
    }
}
