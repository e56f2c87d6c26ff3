/// The configuration real Fluentd runs for a scenario: the scenario's agent configuration (placeholders already
/// expanded, exactly what the Swift agent gets) plus what the runner needs to drive and observe it. Nothing of the
/// scenario's own sections is changed but the forward output's log level. See docs/fluentd-host.md.
public struct FluentdConfigRenderer: Sendable {
    /// The port of the runner's `<source> @type forward` (load comes in here, acked).
    public var inputPort: Int

    public init(inputPort: Int) { self.inputPort = inputPort }

    /// Nanosecond log times with the offset, so decisions land on the run clock to the microsecond.
    public static let logTimeFormat = "%Y-%m-%d %H:%M:%S.%N %z"

    /// Renders the configuration Fluentd is started with.
    public func render(_ scenarioConfig: String) -> String {
        var lines = scenarioConfig.components(separatedBy: "\n")
        Self.traceForwardOutputs(&lines)
        var text = lines.joined(separator: "\n")
        // Sub-second log times, and the debug lines some decisions are read from. A scenario's own <system> keeps
        // its settings and gets these added.
        let logSettings = "  log_level debug\n  <log>\n    time_format \(Self.logTimeFormat)\n  </log>"
        if let range = text.range(of: "<system>") {
            text.replaceSubrange(range, with: "<system>\n" + logSettings)
        } else {
            text = "# Added by the scenario runner.\n<system>\n\(logSettings)\n</system>\n" + text
        }
        if !text.contains("@FLUENT_LOG") {
            // Fluentd routes its own log events (tag fluent.*) to a matching <match>; in a scenario's `<match **>`
            // they would be forwarded to the receivers as if they were load.
            text += "\n<label @FLUENT_LOG>\n  <match **>\n    @type null\n  </match>\n</label>\n"
        }
        text += """

            # Added by the scenario runner: the load comes in here (acked events count as accepted).
            <source>
              @type forward
              bind 127.0.0.1
              port \(inputPort)
            </source>

            """
        return text
    }

    /// Adds `@log_level trace` to every `<match>` whose `@type` is `forward` (unless it sets its own level): Fluentd
    /// logs which chunk it writes and which ack it got only at trace level.
    static func traceForwardOutputs(_ lines: inout [String]) {
        var stack: [(name: String, start: Int)] = []
        var inserts: [(at: Int, indent: String)] = []
        for (i, line) in lines.enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("</") {
                if !stack.isEmpty { stack.removeLast() }
            } else if t.hasPrefix("<"), t.hasSuffix(">") {
                stack.append((String(t.dropFirst().prefix { $0 != " " && $0 != ">" }), i))
            } else if t == "@type forward", let section = stack.last, section.name == "match",
                      !sectionSetsLogLevel(lines, openTag: section.start) {
                inserts.append((i + 1, String(line.prefix { $0 == " " || $0 == "\t" })))
            }
        }
        for ins in inserts.reversed() { lines.insert(ins.indent + "@log_level trace", at: ins.at) }
    }

    /// Whether the section opened at line `openTag` sets `@log_level` itself (not counting nested sections).
    static func sectionSetsLogLevel(_ lines: [String], openTag: Int) -> Bool {
        var depth = 0
        for line in lines[(openTag + 1)...] {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("</") {
                if depth == 0 { return false }
                depth -= 1
            } else if t.hasPrefix("<"), t.hasSuffix(">") {
                depth += 1
            } else if depth == 0, t.hasPrefix("@log_level") {
                return true
            }
        }
        return false
    }
}
