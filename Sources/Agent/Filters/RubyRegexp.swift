import FluentdConfig
import Foundation

/// A Fluentd `:regexp` parameter (`/pattern/flags` or a bare pattern), compiled for matching record values the way
/// Ruby's `Regexp#match` does (docs/pipeline.md, "Regular expressions").
///
/// `@unchecked Sendable` is safe: the compiled expression is never mutated after `init`, and
/// NSRegularExpression's matching methods are documented as safe to call from several threads at once.
public struct RubyRegexp: @unchecked Sendable, Equatable, CustomStringConvertible {
    /// The value as written in the configuration.
    public let source: String
    private let regex: NSRegularExpression

    /// Reads `text` as Fluentd's `Config.regexp_value` does: `/…/` with optional `i` and `m` flags after the last
    /// slash (at most two characters), or the whole text as a pattern. `literal` compiles the text as it is, as
    /// grep's legacy `regexpN` parameters do (`Regexp.compile`).
    public init(_ text: String, literal: Bool = false, at location: ConfigLocation? = nil) throws(ConfigError) {
        source = text
        var pattern = text
        // Ruby's ^ and $ always match at line boundaries; ICU needs the option for that.
        var options: NSRegularExpression.Options = [.anchorsMatchLines]
        if !literal, text.hasPrefix("/") {
            guard let slash = text.lastIndex(of: "/"), text.distance(from: slash, to: text.endIndex) - 1 <= 2 else {
                throw ConfigError("invalid regexp: missing right slash: \(text)", at: location)
            }
            let flags = text[text.index(after: slash)...]
            if flags.contains("i") { options.insert(.caseInsensitive) }
            // Ruby's /m is "dot matches newline".
            if flags.contains("m") { options.insert(.dotMatchesLineSeparators) }
            pattern = slash == text.startIndex ? "" : String(text[text.index(after: text.startIndex)..<slash])
        }
        do {
            regex = try NSRegularExpression(pattern: Self.translated(pattern), options: options)
        } catch {
            throw ConfigError("invalid regexp \(text): \(error.localizedDescription)", at: location)
        }
    }

    /// Ruby syntax ICU reads differently: `\h` is a hex digit in Ruby (horizontal space in ICU).
    static func translated(_ pattern: String) -> String {
        var out = ""
        var escaped = false
        for c in pattern {
            if escaped {
                out += c == "h" ? "[0-9a-fA-F]" : c == "H" ? "[^0-9a-fA-F]" : "\\\(c)"
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        if escaped { out += "\\" }
        return out
    }

    /// Whether the pattern matches anywhere in `text` (Ruby's `regexp.match(text)` is truthy).
    public func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    public var description: String { source }

    public static func == (a: RubyRegexp, b: RubyRegexp) -> Bool { a.source == b.source }
}
