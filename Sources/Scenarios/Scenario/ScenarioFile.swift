import Foundation

/// A file the run writes into its working directory (`files:` before the agent starts, a `file:` step on cue;
/// docs/scenarios.md, "Files"), e.g. a `<service_discovery> @type file` server list the agent config names as
/// `${workdir}/NAME`. `${…}` placeholders in the content expand as in the agent's configuration.
public struct ScenarioFile: Sendable, Equatable {
    /// A plain file name (no directories).
    public var name: String
    public var content: String

    public init(name: String, content: String) {
        self.name = name
        self.content = content
    }

    /// Why `name` cannot be used (nil when it can).
    static func nameProblem(_ name: String) -> String? {
        guard name.range(of: "^[A-Za-z0-9_-][A-Za-z0-9._-]*$", options: .regularExpression) != nil else {
            return "use a plain file name (letters, digits, '.', '_', '-'; no directories), got '\(name)'"
        }
        return nil
    }

    /// Writes the expanded content to `directory/name`: a temporary file renamed over the old one, so a watcher never
    /// reads a half-written list, and the new inode is a change even for a same-size rewrite within one second
    /// (which Fluentd's stat watcher would not see: docs/quirks.md, Q40).
    func write(into directory: String, context: PlaceholderContext) throws {
        let text = try ConfigTemplate.expand(content, context: context)
        let path = (directory as NSString).appendingPathComponent(name)
        let temporary = (directory as NSString).appendingPathComponent(".\(name).\(UInt64.random(in: 0 ... .max)).tmp")
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw ScenarioRunError.environment("cannot write \(path): \(reason)")
        }
    }
}
