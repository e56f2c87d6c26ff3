import FluentdConfig
import ForwardProtocol

/// `@type stdout`: prints each event (`time tag: record`), handy for relays and tests.
public struct StdoutOutputConfig: Sendable, Equatable {
    /// `output_type` of the stdout formatter: record as JSON or as a Ruby-like hash.
    public enum OutputType: String, Sendable, Equatable, CaseIterable { case json, hash }

    public var outputType: OutputType = .json
    /// Optional `<buffer>`; nil means events are written synchronously.
    public var buffer: BufferConfig? = nil
    /// `<inject>`: fields added to each record before it is printed.
    public var inject: InjectConfig? = nil

    /// The record as printed: with `<inject>`'s fields when there is one.
    public func injected(_ record: [MessagePackPair], tag: String, time: EventTime, worker: Int) -> [MessagePackPair] {
        inject?.apply(record, tag: tag, time: time, worker: worker) ?? record
    }

    public init() {}

    static func parse(_ element: ConfigElement, path: String, asSecondary: Bool, into ctx: inout ConfigBuildContext) throws -> StdoutOutputConfig {
        var c = StdoutOutputConfig()
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        c.outputType = try r.value("output_type", .enumeration(OutputType.allCases.map(\.rawValue)), default: .json) { $0.rawValue } map: {
            OutputType(rawValue: $0)!
        }
        if let i = try r.raw.section("inject") {
            c.inject = try InjectConfig.parse(i, path: path, into: &ctx)
        }
        if !asSecondary {
            c.buffer = try BufferConfig.parseOptional(&r, path: path, into: &ctx)
        }
        try ctx.finish(r)
        return c
    }
}
