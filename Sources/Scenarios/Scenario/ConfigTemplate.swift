import Foundation

/// Expands `${…}` placeholders in the agent's configuration and applies `--set key=value` overrides.
///
/// Fluentd's own `"#{…}"` embedded Ruby is left alone (it uses `#{`, not `${`).
public enum ConfigTemplate {
    /// The configuration text for a run.
    public static func render(_ spec: AgentSpec, context: PlaceholderContext, extraOverrides: [String: String] = [:]) throws -> String {
        var text = try expand(spec.configText, context: context)
        let overrides = spec.overrides.merging(extraOverrides) { _, new in new }
        for key in overrides.keys.sorted() {
            text = try applyOverride(text, key: key, value: overrides[key]!)
        }
        return text
    }

    static func expand(_ text: String, context: PlaceholderContext) throws -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw ConfigTemplateError("unterminated placeholder '${' (write ${r1.port}, ${servers}, ${tls.ca}, ${workdir})")
            }
            let name = String(rest[open.upperBound ..< close]).trimmingCharacters(in: .whitespaces)
            guard let value = context.value(of: name) else {
                // Fluentd's own buffer placeholders (${tag}, ${chunk_id}, record keys) stay for the agent.
                if !name.contains(".") {
                    out += "${" + name + "}"
                    rest = rest[rest.index(after: close)...]
                    continue
                }
                throw ConfigTemplateError("unknown placeholder ${\(name)} (known: ${servers}, ${<receiver>.host|port|address|name}, ${tls.ca}, ${workdir}, ${seed})")
            }
            // Multi-line values (${servers}) keep the indentation of the line they were placed on.
            let lineStart = out.lastIndex(of: "\n").map { out.index(after: $0) } ?? out.startIndex
            let indent = out[lineStart...]
            out += indent.allSatisfy({ $0 == " " || $0 == "\t" }) && !indent.isEmpty
                ? value.replacingOccurrences(of: "\n", with: "\n" + indent) : value
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return out
    }

    /// Replaces every `key value` line (any section), or adds the parameter after the first `@type forward`.
    static func applyOverride(_ text: String, key: String, value: String) throws -> String {
        guard key.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) != nil, !value.contains("\n") else {
            throw ConfigTemplateError("override '\(key)=\(value)' is not a parameter name and a one-line value")
        }
        var lines = text.components(separatedBy: "\n")
        var replaced = false
        for (i, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            let first = trimmed.split(separator: " ", maxSplits: 1).first.map(String.init)
            if first == key {
                let indent = line.prefix { $0 == " " || $0 == "\t" }
                lines[i] = "\(indent)\(key) \(value)"
                replaced = true
            }
        }
        if !replaced {
            guard let i = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).range(of: "^@type\\s+forward$", options: .regularExpression) != nil
                    && !$0.contains("<") }) else {
                throw ConfigTemplateError("override '\(key)': the configuration has no '@type forward' output to add it to")
            }
            // Skip a <source @type forward>: the output is the @type forward inside a <match>.
            var target = i
            if let match = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("<match") }),
               let j = lines[match...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).range(of: "^@type\\s+forward$", options: .regularExpression) != nil }) {
                target = j
            }
            let indent = lines[target].prefix { $0 == " " || $0 == "\t" }
            lines.insert("\(indent)\(key) \(value)", at: target + 1)
        }
        return lines.joined(separator: "\n")
    }

    /// Shifts `file:line` in a configuration error by the inline block's offset in the scenario file.
    public static func relocate(_ message: String, _ spec: AgentSpec) -> String {
        guard spec.configLineOffset > 0 else { return message }
        let prefix = NSRegularExpression.escapedPattern(for: spec.configSource) + ":(\\d+)"
        guard let re = try? NSRegularExpression(pattern: prefix) else { return message }
        let ns = message as NSString
        var out = message
        for m in re.matches(in: message, range: NSRange(location: 0, length: ns.length)).reversed() {
            let n = Int(ns.substring(with: m.range(at: 1))) ?? 0
            out = (out as NSString).replacingCharacters(in: m.range, with: "\(spec.configSource):\(n + spec.configLineOffset)")
        }
        return out
    }
}
