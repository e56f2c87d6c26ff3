import Foundation

/// A parsed configuration: the root element plus the warnings and files that went into it.
public struct ConfigDocument: Sendable, CustomStringConvertible {
    /// The top level (name `ROOT`): top-level parameters and the `<system>`, `<source>`, `<match>`... sections.
    public let root: ConfigElement
    /// Non-fatal diagnostics from parsing (deprecated `include`, repeated keys, `#`-quirks).
    public let warnings: [ConfigWarning]
    /// Every file read, the main file first, then included files in the order they were read.
    public let files: [String]

    public init(root: ConfigElement, warnings: [ConfigWarning] = [], files: [String] = []) {
        self.root = root
        self.warnings = warnings
        self.files = files
    }

    /// Parses configuration text; `file` labels locations in errors. Relative `@include`s resolve against
    /// `options.includeBaseDirectory`, else the directory part of `file`, else the current directory.
    public static func parse(text: String, file: String = "<config>", options: ConfigParseOptions = .init()) throws
        -> ConfigDocument
    {
        let base =
            options.includeBaseDirectory
            ?? (file.contains("/") ? (file as NSString).deletingLastPathComponent : options.resolvedCurrentDirectory)
        let chain = FileManager.default.fileExists(atPath: file) ? [ConfigParser.canonical(file)] : []
        return try parse(bytes: Array(text.utf8), file: file, options: options, baseDirectory: base, chain: chain, files: [])
    }

    /// Reads and parses the file at `path`, following `@include` relative to each including file's directory.
    public static func load(path: String, options: ConfigParseOptions = .init()) throws -> ConfigDocument {
        guard !IncludeGlob.isDirectory(path), let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: 0, message: "cannot read configuration file '\(path)'")
        }
        var base = (path as NSString).deletingLastPathComponent
        if base.isEmpty { base = "." }
        return try parse(
            bytes: Array(data), file: path, options: options, baseDirectory: base,
            chain: [ConfigParser.canonical(path)], files: [path])
    }

    static func parse(
        bytes: [UInt8], file: String, options: ConfigParseOptions, baseDirectory: String, chain: [String], files: [String]
    ) throws -> ConfigDocument {
        var parser = ConfigParser(
            bytes: bytes, file: file, options: options, baseDirectory: baseDirectory, includeChain: chain)
        let result = try parser.parse()
        let root = ConfigElement(
            name: "ROOT", argument: "", params: result.params,
            children: applying(options.systemParameters, to: result.children, file: file),
            location: ConfigLocation(file: file, line: 1))
        return ConfigDocument(root: root, warnings: result.warnings, files: files + result.files)
    }

    /// The top-level sections with `parameters` written into the first `<system>` (one is added at the end if none).
    static func applying(_ parameters: [String: String], to children: [ConfigElement], file: String) -> [ConfigElement] {
        guard !parameters.isEmpty else { return children }
        let location = ConfigLocation(file: "<command line>", line: 0)
        let added = parameters.sorted { $0.key < $1.key }.map { ConfigParam(name: $0.key, value: $0.value, location: location) }
        guard let i = children.firstIndex(where: { $0.name == "system" }) else {
            return children + [ConfigElement(name: "system", params: added, location: location)]
        }
        var out = children
        let system = children[i]
        out[i] = ConfigElement(name: system.name, argument: system.argument,
                               params: system.params.filter { parameters[$0.name] == nil } + added,
                               children: system.children, location: system.location, ancestry: system.ancestry)
        return out
    }

    // MARK: Conveniences for the common top-level sections

    /// Top-level `<source>` sections.
    public var sources: [ConfigElement] { root.children(named: "source") }
    /// Top-level `<match>` sections (not those inside `<label>`).
    public var matches: [ConfigElement] { root.children(named: "match") }
    /// Top-level `<filter>` sections.
    public var filters: [ConfigElement] { root.children(named: "filter") }
    /// `<label @NAME>` sections.
    public var labels: [ConfigElement] { root.children(named: "label") }
    /// The `<system>` section, if any.
    public var system: ConfigElement? { root.child(named: "system") }

    /// The `<label>` whose argument is `name` (e.g. `@OUT`).
    public func label(_ name: String) -> ConfigElement? { labels.first { $0.argument == name } }

    /// Every element in document order (depth first), root excluded.
    public var allElements: [ConfigElement] {
        var out: [ConfigElement] = []
        var stack = Array(root.children.reversed())
        while let e = stack.popLast() {
            out.append(e)
            stack.append(contentsOf: e.children.reversed())
        }
        return out
    }

    /// The document rendered back as configuration text.
    public var description: String { root.rendered() }
}
