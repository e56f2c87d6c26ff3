import Foundation
import FluentdConfig

/// One Fluentd match pattern (`app.*`, `app.**`, `{a,b}.x`, `**`, `/regex/`) and its tag matching.
///
/// Semantics (Fluentd's glob patterns): tags are dot-separated parts; `*` matches within one part, `**`
/// matches any run of parts including none (`a.**` matches `a`, `a.b`, `a.b.c`; `**.b` matches `b` and `x.b`),
/// `{x,y}` is an alternation of sub-patterns, `\c` escapes `c`, every other character is literal. A pattern
/// written between slashes is a regular expression anchored at both ends.
public struct MatchPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    private let kind: Kind
    /// The compiled `/regex/` (nil for glob patterns), compiled once.
    private let compiled: CompiledRegex?

    private enum Kind: Sendable, Hashable {
        case all
        case glob([Token])
        case regex(String)
    }

    fileprivate indirect enum Token: Sendable, Hashable {
        /// A literal character.
        case char(Character)
        /// `*`: any run of characters other than `.`.
        case star
        /// `**` not followed by `.`: any run of characters.
        case anything
        /// `**.`: either the very start of the tag, or any run of characters ending with `.`.
        case anyPrefixParts
        /// A `.` written right before `**`: the next character must be `.` or the end of the tag.
        case partBoundary
        /// `{x,y,...}`.
        case alternation([[Token]])
    }

    public init(_ text: String) throws {
        self.text = text
        if text == "**" {
            kind = .all
            compiled = nil
        } else if text.hasPrefix("/") {
            guard text.count >= 2, text.hasSuffix("/") else { throw ConfigError("invalid match - regex: \(text)", at: nil) }
            let body = String(text.dropFirst().dropLast())
            do {
                compiled = CompiledRegex(try NSRegularExpression(pattern: "\\A(?:\(body))\\z"))
            } catch {
                throw ConfigError("invalid regular expression in match pattern \(text)", at: nil)
            }
            kind = .regex(body)
        } else {
            kind = .glob(try Self.compile(Array(text)))
            compiled = nil
        }
    }

    public var description: String { text }

    /// Patterns are equal when written the same way.
    public static func == (a: MatchPattern, b: MatchPattern) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// Whether `tag` matches this pattern.
    public func matches(_ tag: String) -> Bool {
        switch kind {
        case .all:
            return true
        case .regex:
            guard let re = compiled?.regex else { return false }
            let range = NSRange(tag.startIndex..., in: tag)
            return re.firstMatch(in: tag, range: range) != nil
        case .glob(let tokens):
            let budget = Budget()  // bounds backtracking on pathological patterns
            let chars = Array(tag)
            return Self.match(ArraySlice(tokens), chars, 0, budget) { $0 == chars.count }
        }
    }

    // MARK: Compilation

    private static func compile(_ chars: [Character]) throws -> [Token] {
        var i = 0
        let tokens = try compileSequence(chars, &i, nested: false)
        return tokens
    }

    /// Compiles until the end, or (when nested) until the `,` or `}` that ends this alternative.
    private static func compileSequence(_ c: [Character], _ i: inout Int, nested: Bool) throws -> [Token] {
        var out: [Token] = []
        var pendingDot = false
        while i < c.count {
            let ch = c[i]
            if nested && (ch == "," || ch == "}") {
                if pendingDot { out.append(.char(".")) }  // a dot before `,`/`}` belongs to the alternative
                return out
            }
            if ch == "*" && i + 1 < c.count && c[i + 1] == "*" {
                if pendingDot {
                    out.append(.partBoundary)
                    pendingDot = false
                }
                if i + 2 < c.count && c[i + 2] == "." {
                    out.append(.anyPrefixParts)
                    i += 3
                } else {
                    out.append(.anything)
                    i += 2
                }
                continue
            }
            if pendingDot {
                out.append(.char("."))
                pendingDot = false
            }
            switch ch {
            case "\\":
                if i + 1 < c.count {
                    out.append(.char(c[i + 1]))
                    i += 2
                } else {
                    i += 1  // a trailing backslash escapes nothing
                }
                continue
            case ".":
                pendingDot = true  // emitted before the next token; dropped at the end (as Fluentd does)
            case "*":
                out.append(.star)
            case "{":
                i += 1
                var alternatives: [[Token]] = []
                while true {
                    alternatives.append(try compileSequence(c, &i, nested: true))
                    guard i < c.count else { throw ConfigError("unclosed '{' in match pattern", at: nil) }
                    if c[i] == "}" { break }
                    i += 1  // ","
                }
                out.append(.alternation(alternatives))
            default:
                out.append(.char(ch))
            }
            i += 1
        }
        return out
    }

    // MARK: Matching (continuation-passing backtracking)

    private static func match(
        _ tokens: ArraySlice<Token>, _ s: [Character], _ pos: Int, _ budget: Budget, _ k: (Int) -> Bool
    ) -> Bool {
        budget.remaining -= 1
        if budget.remaining <= 0 { return false }
        guard let first = tokens.first else { return k(pos) }
        let rest = tokens.dropFirst()
        switch first {
        case .char(let ch):
            guard pos < s.count, s[pos] == ch else { return false }
            return match(rest, s, pos + 1, budget, k)
        case .star:
            var end = pos
            while end < s.count && s[end] != "." { end += 1 }
            for j in stride(from: end, through: pos, by: -1) where match(rest, s, j, budget, k) { return true }
            return false
        case .anything:
            for j in stride(from: s.count, through: pos, by: -1) where match(rest, s, j, budget, k) { return true }
            return false
        case .anyPrefixParts:
            if pos == 0 && match(rest, s, 0, budget, k) { return true }
            var j = s.count
            while j > pos {
                if s[j - 1] == ".", match(rest, s, j, budget, k) { return true }
                j -= 1
            }
            return false
        case .partBoundary:
            guard pos == s.count || s[pos] == "." else { return false }
            return match(rest, s, pos, budget, k)
        case .alternation(let alternatives):
            for alt in alternatives {
                let ok = match(ArraySlice(alt), s, pos, budget) { next in match(rest, s, next, budget, k) }
                if ok { return true }
            }
            return false
        }
    }

    /// An immutable compiled expression shared by copies of a pattern.
    private final class CompiledRegex: @unchecked Sendable {
        // @unchecked: `regex` is set once in init and never mutated; NSRegularExpression is immutable and
        // documented as safe to use from several threads at once.
        let regex: NSRegularExpression
        init(_ regex: NSRegularExpression) { self.regex = regex }
    }

    /// Step counter shared by one matching run (a class so nested continuations share it).
    private final class Budget {
        var remaining = 100_000
    }
}

extension MatchPattern {
    /// The patterns of a `<match>` or `<filter>` section (`**` when it names none) and the section's path as error
    /// messages name it (`<label @L> <filter a.**>`); `section` is `match` or `filter`.
    static func sectionPatterns(_ element: ConfigElement, section: String, label: String?) throws -> (patterns: [MatchPattern], path: String) {
        let texts = element.arguments.isEmpty ? ["**"] : element.arguments
        var patterns: [MatchPattern] = []
        for t in texts {
            do {
                patterns.append(try MatchPattern(t))
            } catch let e as ConfigError {
                throw ConfigError("invalid \(section) pattern '\(t)': \(e.message) (in \(element.context))", at: element.location)
            }
        }
        return (patterns, (label.map { "<label \($0)> " } ?? "") + "<\(section) \(texts.joined(separator: " "))>")
    }
}
