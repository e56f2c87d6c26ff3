import FluentdConfig

/// The output plugin of a `<match>` (or `<secondary>`), by `@type`.
public indirect enum OutputConfig: Sendable, Equatable {
    case forward(ForwardOutputConfig)
    case file(FileOutputConfig)
    case stdout(StdoutOutputConfig)
    case null(NullOutputConfig)
    case copy(CopyOutputConfig)
    case relabel(RelabelOutputConfig)

    /// Output `@type` names the agent implements.
    public static let supportedTypes = ["forward", "file", "secondary_file", "stdout", "null", "copy", "relabel"]

    /// The `@type` name.
    public var typeName: String {
        switch self {
        case .forward: "forward"
        case .file(let f): f.kind.rawValue
        case .stdout: "stdout"
        case .null: "null"
        case .copy: "copy"
        case .relabel: "relabel"
        }
    }

    /// The forward output, if this is one.
    public var forward: ForwardOutputConfig? {
        if case .forward(let f) = self { return f }
        return nil
    }

    static func parse(
        _ element: ConfigElement, type: String?, path: String, asSecondary: Bool, primaryBuffer: BufferConfig?,
        into ctx: inout ConfigBuildContext
    ) throws -> OutputConfig {
        guard let type, !type.isEmpty else {
            throw ConfigError("Missing '@type' parameter on \(element.tag) directive", at: element.location)
        }
        if element.param("@type") == nil, let p = element.param("type") {
            ctx.warn("'type' is the v0.12 spelling; use '@type' (in \(element.context))", at: p.location)
        }
        switch type {
        case "forward":
            return .forward(try ForwardOutputConfig.parse(element, path: path, asSecondary: asSecondary, into: &ctx))
        case "file":
            return .file(try FileOutputConfig.parse(element, kind: .file, path: path, asSecondary: asSecondary, primaryBuffer: primaryBuffer, into: &ctx))
        case "secondary_file":
            return .file(try FileOutputConfig.parse(element, kind: .secondaryFile, path: path, asSecondary: asSecondary, primaryBuffer: primaryBuffer, into: &ctx))
        case "stdout":
            return .stdout(try StdoutOutputConfig.parse(element, path: path, asSecondary: asSecondary, into: &ctx))
        case "null":
            return .null(try NullOutputConfig.parse(element, path: path, asSecondary: asSecondary, into: &ctx))
        case "copy" where !asSecondary:
            return .copy(try CopyOutputConfig.parse(element, path: path, into: &ctx))
        case "relabel" where !asSecondary:
            return .relabel(try RelabelOutputConfig.parse(element, path: path, into: &ctx))
        default:
            let p = element.param("@type") ?? element.param("type")
            throw ConfigError(
                "unknown output plugin type '\(type)' in \(element.context) (the ForwardLab agent supports: \(supportedTypes.joined(separator: ", "))); run this configuration on real Fluentd (fwdlab run --agent fluentd)",
                at: p?.location ?? element.location)
        }
    }
}
