import FluentdConfig

/// `@type null`: discards events (a sink for relays and tests).
public struct NullOutputConfig: Sendable, Equatable {
    /// `never_flush`: buffered chunks are never written (Fluentd's test knob: exercises buffer limits).
    public var neverFlush = false
    /// Optional `<buffer>`; nil means events are dropped immediately.
    public var buffer: BufferConfig? = nil

    public init() {}

    static func parse(_ element: ConfigElement, path: String, asSecondary: Bool, into ctx: inout ConfigBuildContext) throws -> NullOutputConfig {
        var c = NullOutputConfig()
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        c.neverFlush = try r.bool("never_flush", default: false)
        if !asSecondary {
            c.buffer = try BufferConfig.parseOptional(&r, path: path, into: &ctx)
        }
        try ctx.finish(r)
        return c
    }
}
