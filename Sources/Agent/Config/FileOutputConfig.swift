import FluentdConfig

/// `@type file` (out_file) or `@type secondary_file`: writes chunks to local files, typically as `<secondary>`.
public struct FileOutputConfig: Sendable, Equatable {
    /// Which Fluentd plugin the section names.
    public enum Kind: String, Sendable, Equatable { case file, secondaryFile = "secondary_file" }
    /// How records are written: out_file's text lines, JSON lines, or the raw MessagePack chunk.
    public enum Format: String, Sendable, Equatable, CaseIterable { case outFile = "out_file", json, msgpack }
    /// `compress`.
    public enum Compression: String, Sendable, Equatable, CaseIterable { case text, gzip }

    public var kind: Kind = .file
    /// out_file: `path` (a prefix; Fluentd appends time/suffix parts). secondary_file: `directory` + `/` + `basename`.
    public var path: String = ""
    /// secondary_file `directory`.
    public var directory: String? = nil
    /// secondary_file `basename` (default `dump.bin`; may hold `${tag}`/`${chunk_id}` placeholders).
    public var basename: String? = nil
    public var append = false
    public var compress: Compression = .text
    /// out_file `add_path_suffix` / `path_suffix`.
    public var addPathSuffix = true
    public var pathSuffix = ".log"
    /// out_file: `<format> @type` (default `out_file`); secondary_file always writes the chunk as MessagePack.
    public var format: Format = .outFile
    /// A `<buffer>` of a top-level file output (nil as `<secondary>`, which uses the primary's buffer).
    public var buffer: BufferConfig? = nil

    public init() {}

    /// The file name suffix for `compress` (`.gz` for gzip).
    public var compressionSuffix: String { compress == .gzip ? ".gz" : "" }

    static func parse(
        _ element: ConfigElement, kind: Kind, path sectionPath: String, asSecondary: Bool, primaryBuffer: BufferConfig?,
        into ctx: inout ConfigBuildContext
    ) throws -> FileOutputConfig {
        var c = FileOutputConfig()
        c.kind = kind
        var r = SectionReader(element, path: sectionPath)
        r.raw.ignore("type", "log_level")
        switch kind {
        case .secondaryFile:
            guard asSecondary else {
                throw ConfigError("This plugin can only be used in the <secondary> section: secondary_file (\(r.context))", at: element.location)
            }
            let dir = try r.requiredString("directory")
            let base = try r.string("basename", default: "dump.bin")
            if base.contains("/") { throw ConfigError("basename should not include `/` (\(r.context))", at: r.written(["basename"])?.location) }
            if base.contains("${tag") && !(primaryBuffer?.chunkKeys.contains("tag") ?? false) {
                throw ConfigError("out_secondary_file: basename or directory has an incompatible placeholder ${tag}, remove tag placeholder, like `${tag}`, from basename or directory (\(r.context))", at: r.written(["basename"])?.location)
            }
            c.directory = dir
            c.basename = base
            c.path = dir.hasSuffix("/") ? dir + base : dir + "/" + base
            c.format = .msgpack
        case .file:
            c.path = try r.requiredString("path")
            c.addPathSuffix = try r.bool("add_path_suffix", default: true)
            c.pathSuffix = try r.string("path_suffix", default: ".log")
            // v0.12 `format x` or v1 `<format> @type x`.
            let formatSection = try r.raw.section("format")
            let legacyFormat = r.written(["format"])
            r.raw.ignore("format")
            if formatSection != nil, let legacyFormat {
                throw ConfigError("both 'format' and <format> are set; use <format> (\(r.context))", at: legacyFormat.location)
            }
            let formatName = formatSection?.type ?? legacyFormat?.value ?? "out_file"
            guard let f = Format(rawValue: formatName) else {
                throw ConfigError("unsupported format '\(formatName)' for the file output (supported: out_file, json, msgpack) (\(r.context))",
                                  at: formatSection?.location ?? legacyFormat?.location ?? element.location)
            }
            if let formatSection {
                var fr = SectionReader(formatSection, path: "\(sectionPath) <format>")
                fr.raw.ignore("type")
                try ctx.finish(fr)
            }
            c.format = f
            r.record("format", f.rawValue, isDefault: formatSection == nil && legacyFormat == nil, location: formatSection?.location ?? legacyFormat?.location)
        }
        c.append = try r.bool("append", default: false)
        c.compress = try r.value("compress", .enumeration(Compression.allCases.map(\.rawValue)), default: .text) { $0.rawValue } map: {
            Compression(rawValue: $0)!
        }
        if !asSecondary {
            c.buffer = try BufferConfig.parseOptional(&r, path: sectionPath, into: &ctx)
        }
        try ctx.finish(r)
        return c
    }
}
