import Foundation

/// Parses Fluentd v1 configuration text (lib/fluent/config/v1_parser.rb and literal_parser.rb semantics).
///
/// Works on UTF-8 bytes: every syntax character is ASCII, so multi-byte characters pass through untouched.
/// Sections are parsed with an explicit stack rather than recursion so deeply nested input cannot overflow.
struct ConfigParser {
    /// Sections whose direct parameters may not use the `@` prefix (Fluentd's ELEM_SYMBOLS), besides the root.
    static let elementSymbols: Set<String> = ["match", "source", "filter", "system"]
    /// Real configs nest a handful of levels; the cap keeps recursive tree operations (==, hashing,
    /// deallocation) far from the stack limit on hostile input.
    static let maxSectionDepth = 1000

    struct Result {
        var params: [ConfigParam]
        var children: [ConfigElement]
        var warnings: [ConfigWarning]
        var files: [String]
    }

    /// An open section while its body is being read.
    struct Frame {
        let name: String
        let argument: String
        let location: ConfigLocation
        let ancestors: AncestorChain?
        /// What this frame's children get as their ancestry.
        let childAncestors: AncestorChain?
        var params: [ConfigParam] = []
        var children: [ConfigElement] = []

        var label: String { argument.isEmpty ? name : "\(name) \(argument)" }
    }

    let bytes: [UInt8]
    let file: String
    let options: ConfigParseOptions
    /// Directory that relative `@include` paths start from.
    let baseDirectory: String
    /// Canonical paths of the files currently being parsed, outermost first (cycle detection).
    let includeChain: [String]
    let rootAncestors: AncestorChain?
    var pos = 0
    var line = 1
    var warnings: [ConfigWarning] = []
    var files: [String] = []

    init(
        bytes: [UInt8], file: String, options: ConfigParseOptions, baseDirectory: String,
        includeChain: [String], rootAncestors: AncestorChain? = nil
    ) {
        // A UTF-8 byte order mark would otherwise become part of the first key.
        self.bytes = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        self.file = file
        self.options = options
        self.baseDirectory = baseDirectory
        self.includeChain = includeChain
        self.rootAncestors = rootAncestors
    }

    // MARK: Byte helpers

    static let LF = UInt8(ascii: "\n"), CR = UInt8(ascii: "\r"), SP = UInt8(ascii: " "), TAB = UInt8(ascii: "\t")
    static let HASH = UInt8(ascii: "#"), LT = UInt8(ascii: "<"), GT = UInt8(ascii: ">"), SLASH = UInt8(ascii: "/")
    static let DQ = UInt8(ascii: "\""), SQ = UInt8(ascii: "'"), BS = UInt8(ascii: "\\")
    static let LBRACE = UInt8(ascii: "{"), RBRACE = UInt8(ascii: "}"), LBRACK = UInt8(ascii: "["), RBRACK = UInt8(ascii: "]")

    var atEnd: Bool { pos >= bytes.count }
    var current: UInt8? { pos < bytes.count ? bytes[pos] : nil }
    func byte(at p: Int) -> UInt8? { p < bytes.count ? bytes[p] : nil }
    static func isNewline(_ b: UInt8) -> Bool { b == LF || b == CR }
    static func isBlank(_ b: UInt8) -> Bool { b == SP || b == TAB }
    static func isSpace(_ b: UInt8) -> Bool { b == SP || b == TAB || b == LF || b == CR }
    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    }

    var here: ConfigLocation { ConfigLocation(file: file, line: line) }

    func error(_ message: String, at location: ConfigLocation? = nil) -> ConfigError {
        ConfigError(message, at: location ?? here)
    }

    /// Consumes one byte, counting lines (LF, CRLF and lone CR each end a line).
    mutating func bump() {
        guard pos < bytes.count else { return }
        let b = bytes[pos]
        pos += 1
        if b == Self.LF || (b == Self.CR && byte(at: pos) != Self.LF) { line += 1 }
    }

    mutating func bump(_ n: Int) { for _ in 0..<n { bump() } }

    func startsWith(_ s: String, at p: Int) -> Bool {
        var i = p
        for u in s.utf8 {
            guard i < bytes.count, bytes[i] == u else { return false }
            i += 1
        }
        return true
    }

    /// Fluentd's SPACING: whitespace, newlines and `#` comments.
    mutating func skipSpacing() {
        while let b = current {
            if Self.isSpace(b) {
                bump()
            } else if b == Self.HASH {
                while let c = current, !Self.isNewline(c) { bump() }
            } else {
                break
            }
        }
    }

    /// Fluentd's SPACING_WITHOUT_COMMENT; returns whether a newline was crossed.
    mutating func skipSpacingWithoutComment() -> Bool {
        var sawNewline = false
        while let b = current, Self.isSpace(b) {
            if Self.isNewline(b) { sawNewline = true }
            bump()
        }
        return sawNewline
    }

    /// Whether Fluentd's LINE_END (`[ \t]*(#.*)?(\z|[\r\n])`) matches at `p`.
    func lineEndMatches(at p: Int) -> Bool {
        var q = p
        while q < bytes.count, Self.isBlank(bytes[q]) { q += 1 }
        guard q < bytes.count else { return true }
        return bytes[q] == Self.HASH || Self.isNewline(bytes[q])
    }

    /// Consumes trailing blanks, an optional comment and the newline; false if other text follows.
    mutating func consumeLineEnd() -> Bool {
        guard lineEndMatches(at: pos) else { return false }
        while let b = current, Self.isBlank(b) { bump() }
        if current == Self.HASH { while let c = current, !Self.isNewline(c) { bump() } }
        if current == Self.CR { bump() }
        if current == Self.LF { bump() }
        return true
    }

    /// Whether `ZERO_OR_MORE_SPACING >` matches at `p` (the end of a section argument).
    func tagEndMatches(at p: Int) -> Bool {
        var q = p
        while q < bytes.count {
            let b = bytes[q]
            if Self.isSpace(b) {
                q += 1
            } else if b == Self.HASH {
                while q < bytes.count, !Self.isNewline(bytes[q]) { q += 1 }
            } else {
                break
            }
        }
        return q < bytes.count && bytes[q] == Self.GT
    }

    static func string(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    // MARK: Document structure

    mutating func parse() throws -> Result {
        var stack: [Frame] = [
            Frame(
                name: "ROOT", argument: "", location: ConfigLocation(file: file, line: 1), ancestors: rootAncestors,
                childAncestors: rootAncestors)
        ]
        while true {
            skipSpacing()
            guard let b = current else { break }
            if b == Self.LT, byte(at: pos + 1) == Self.SLASH {
                try closeSection(&stack)
            } else if b == Self.LT {
                try openSection(&stack)
            } else if stack.count == 1, let keywordLength = includeKeywordLength() {
                // `@include` / `include` at a file's top level; elsewhere only `@include` (handled as a key below).
                let loc = here
                if byte(at: pos) != UInt8(ascii: "@") {
                    warnings.append(ConfigWarning("'include' is deprecated; use '@include' instead", at: loc))
                }
                bump(keywordLength)
                try parseInclude(into: &stack[stack.count - 1], at: loc)
            } else {
                try parseParameter(&stack)
            }
        }
        if stack.count > 1, let open = stack.last {
            throw error(
                "unterminated section <\(open.label)>: expected '</\(open.name)>' before the end of the file (line \(line))",
                at: open.location)
        }
        let root = stack[0]
        return Result(params: root.params, children: root.children, warnings: warnings, files: files)
    }

    /// Length of `@include`/`include` at `pos` when followed by spacing or the end; nil otherwise.
    func includeKeywordLength() -> Int? {
        for keyword in ["@include", "include"] where startsWith(keyword, at: pos) {
            let after = pos + keyword.utf8.count
            guard let b = byte(at: after) else { return keyword.utf8.count }
            if Self.isSpace(b) || b == Self.HASH { return keyword.utf8.count }
        }
        return nil
    }

    mutating func openSection(_ stack: inout [Frame]) throws {
        let loc = here
        bump()  // '<'
        let start = pos
        while let b = current, Self.isNameByte(b) { bump() }
        let name = Self.string(Array(bytes[start..<pos]))
        guard !name.isEmpty else {
            throw error("expected a section name after '<' (letters, digits and '_')", at: loc)
        }
        skipSpacing()
        let argument = try scanString(.tagArgument) ?? ""
        skipSpacing()
        guard current == Self.GT else {
            throw error("expected '>' to end the <\(name)\(argument.isEmpty ? "" : " " + argument)> tag", at: loc)
        }
        bump()
        guard consumeLineEnd() else {
            throw error("unexpected text after <\(name)\(argument.isEmpty ? "" : " " + argument)> on the same line", at: loc)
        }
        guard stack.count <= Self.maxSectionDepth else {
            throw error("sections nested more than \(Self.maxSectionDepth) levels deep", at: loc)
        }
        let parent = stack[stack.count - 1]
        let label = argument.isEmpty ? name : "\(name) \(argument)"
        stack.append(
            Frame(
                name: name, argument: argument, location: loc, ancestors: parent.childAncestors,
                childAncestors: AncestorChain(label: label, parent: parent.childAncestors)))
    }

    mutating func closeSection(_ stack: inout [Frame]) throws {
        let loc = here
        bump(2)  // '</'
        let start = pos
        while let b = current, Self.isNameByte(b) { bump() }
        let name = Self.string(Array(bytes[start..<pos]))
        skipSpacing()
        guard current == Self.GT else { throw error("expected '>' to end the closing tag '</\(name)'", at: loc) }
        bump()
        guard consumeLineEnd() else { throw error("unexpected text after '</\(name)>' on the same line", at: loc) }
        guard stack.count > 1, let open = stack.last else {
            throw error("unexpected closing tag '</\(name)>': no section is open", at: loc)
        }
        guard open.name == name else {
            throw error(
                "mismatched closing tag '</\(name)>': expected '</\(open.name)>' to close <\(open.label)> opened at \(open.location)",
                at: loc)
        }
        stack.removeLast()
        let element = ConfigElement(
            name: open.name, argument: open.argument, params: open.params, children: open.children,
            location: open.location, ancestry: open.ancestors)
        stack[stack.count - 1].children.append(element)
    }

    mutating func parseParameter(_ stack: inout [Frame]) throws {
        let loc = here
        guard let key = try scanString(.spacing) else { throw error("expected a parameter name") }
        let newlineOrEnd = skipSpacingWithoutComment() || atEnd
        let top = stack.count - 1
        if newlineOrEnd {
            // A bare key ("tag_mapped" style) is an empty value; booleans read it as true.
            if key == "@include" { throw error("@include needs a path", at: loc) }
            addParam(ConfigParam(name: key, value: "", location: loc), to: &stack[top])
            return
        }
        if key == "@include" {
            try parseInclude(into: &stack[top], at: loc)
            return
        }
        if key.hasPrefix("@"), !ConfigElement.reservedParameterNames.contains(key) {
            let section = stack[top].name
            if stack.count == 1 || Self.elementSymbols.contains(section) {
                throw error(
                    "'@' is the system reserved prefix; don't use '@' prefix parameters in the configuration: \(key)", at: loc)
            }
            warnings.append(
                ConfigWarning(
                    "'@' is the system reserved prefix; '\(key)' works in nested sections for now but Fluentd will reject it",
                    at: loc))
        }
        let startsWithHash = current == Self.HASH
        let value = try parseLiteral(for: key)
        guard consumeLineEnd() else {
            throw error("expected the end of the line after the value of '\(key)' (quote values that contain quotes)")
        }
        if startsWithHash {
            warnings.append(
                ConfigWarning(
                    "value of '\(key)' starts with '#': Fluentd reads it as the value \"\(value)\", not as a comment", at: loc))
        }
        addParam(ConfigParam(name: key, value: value, location: loc), to: &stack[top])
    }

    /// Fluentd keeps a hash per section: a repeated key keeps its first position but takes the last value.
    mutating func addParam(_ p: ConfigParam, to frame: inout Frame) {
        if let i = frame.params.firstIndex(where: { $0.name == p.name }) {
            warnings.append(
                ConfigWarning(
                    "parameter '\(p.name)' is set more than once in <\(frame.label)> (previously at \(frame.params[i].location)); the last value wins",
                    at: p.location))
            frame.params[i] = p
        } else {
            frame.params.append(p)
        }
    }

    // MARK: Values

    enum Boundary { case spacing, lineEnd, tagArgument }

    /// A parameter value: JSON array/hash, quoted string, or the rest of the line.
    mutating func parseLiteral(for key: String) throws -> String {
        switch current {
        case Self.LBRACK?: return try scanJSON(isArray: true)
        case Self.LBRACE?: return try scanJSON(isArray: false)
        default: return try scanString(.lineEnd) ?? ""
        }
    }

    mutating func scanString(_ boundary: Boundary) throws -> String? {
        switch current {
        case Self.DQ?:
            bump()
            return try scanDoubleQuoted(startedAt: here)
        case Self.SQ?:
            bump()
            return try scanSingleQuoted(startedAt: here)
        default:
            return scanUnquoted(boundary)
        }
    }

    /// Unquoted text: `#` is always literal here (Fluentd's rule); a comment needs whitespace before it.
    mutating func scanUnquoted(_ boundary: Boundary) -> String? {
        let start = pos
        while let b = current {
            if b == Self.HASH { bump(); continue }
            if Self.isNewline(b) || boundaryMatches(boundary, b) { break }
            bump()
        }
        return pos > start ? Self.string(Array(bytes[start..<pos])) : nil
    }

    func boundaryMatches(_ boundary: Boundary, _ b: UInt8) -> Bool {
        switch boundary {
        case .spacing: return Self.isBlank(b)
        case .lineEnd: return Self.isBlank(b) && lineEndMatches(at: pos)
        case .tagArgument: return (Self.isBlank(b) || b == Self.GT) && tagEndMatches(at: pos)
        }
    }

    /// `'...'`: literal except `\'` and `\\`; cannot span lines.
    mutating func scanSingleQuoted(startedAt start: ConfigLocation) throws -> String {
        var out: [UInt8] = []
        while true {
            guard let b = current, !Self.isNewline(b) else {
                throw error("unterminated single-quoted string (single-quoted strings cannot span lines)", at: start)
            }
            if b == Self.SQ { bump(); return Self.string(out) }
            if b == Self.BS, let n = byte(at: pos + 1), n == Self.SQ || n == Self.BS {
                out.append(n)
                bump(2)
                continue
            }
            out.append(b)
            bump()
        }
    }

    /// `"..."`: backslash escapes, `#{...}` embedded Ruby, may span lines (backslash-newline joins lines).
    mutating func scanDoubleQuoted(startedAt start: ConfigLocation) throws -> String {
        var out: [UInt8] = []
        while true {
            guard let b = current else { throw error("unterminated double-quoted string", at: start) }
            switch b {
            case Self.DQ:
                bump()
                return Self.string(out)
            case Self.BS:
                guard let e = byte(at: pos + 1) else { throw error("unterminated double-quoted string", at: start) }
                if Self.isNewline(e) {
                    // Line continuation: both the backslash and the line break disappear.
                    bump(2)
                    if e == Self.CR, current == Self.LF { bump() }
                    continue
                }
                out.append(contentsOf: try unescape(e))
                bump(2)
            case Self.HASH where byte(at: pos + 1) == Self.LBRACE:
                out.append(contentsOf: Array(try scanEmbeddedCode().utf8))
            default:
                out.append(b)
                bump()
            }
        }
    }

    /// Fluentd's eval_escape_char: known letters map to control characters, other letters/digits are errors,
    /// any other character stands for itself (`\\`, `\"`, `\#`, `\[`, `\$`).
    func unescape(_ c: UInt8) throws -> [UInt8] {
        switch c {
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "0"): return [0x00]
        default:
            if Self.isNameByte(c), c != 0x5F {
                throw error("unexpected back-slash escape character '\(Character(Unicode.Scalar(c)))' in a double-quoted string")
            }
            return [c]
        }
    }

    /// Reads `#{code}` at `pos` and returns its evaluated text.
    mutating func scanEmbeddedCode() throws -> String {
        let loc = here
        guard options.allowEmbeddedCode else {
            throw error("embedded Ruby code (#{...}) is not allowed here", at: loc)
        }
        var q = pos + 2
        var depth = 1
        scan: while q < bytes.count {
            let c = bytes[q]
            switch c {
            case Self.LBRACE: depth += 1
            case Self.RBRACE:
                depth -= 1
                if depth == 0 { break scan }
            case Self.SQ, Self.DQ:
                q += 1
                while q < bytes.count, bytes[q] != c {
                    if bytes[q] == Self.BS { q += 1 }
                    q += 1
                }
            default: break
            }
            q += 1
        }
        guard q < bytes.count else { throw error("unterminated embedded Ruby code: '#{' without a matching '}'", at: loc) }
        let code = Self.string(Array(bytes[(pos + 2)..<q]))
        bump(q + 1 - pos)
        do {
            return try EmbeddedRuby.evaluate(code, options: options)
        } catch let e as ConfigError {
            throw e.relocated(to: loc)
        }
    }

    /// A JSON array/hash that may span lines, with `#`, `//` and `/* */` comments outside strings and
    /// `#{...}` inside strings. Returns compact JSON text, as Fluentd stores `JSON.dump(parsed)`.
    mutating func scanJSON(isArray: Bool) throws -> String {
        let start = here
        let kind = isArray ? "array" : "hash"
        var out: [UInt8] = []
        var closers: [UInt8] = []
        var inString = false
        while true {
            guard let b = current else {
                throw error("unterminated JSON \(kind): reached the end of the file (line \(line)) before the closing bracket", at: start)
            }
            if inString {
                switch b {
                case Self.BS:
                    out.append(b)
                    bump()
                    if let n = current { out.append(n); bump() }
                case Self.DQ:
                    out.append(b)
                    bump()
                    inString = false
                case Self.HASH where byte(at: pos + 1) == Self.LBRACE:
                    let text = try scanEmbeddedCode()
                    out.append(contentsOf: Array(ConfigJSON.quote(text).utf8.dropFirst().dropLast()))
                default:
                    out.append(b)
                    bump()
                }
                continue
            }
            switch b {
            case Self.SP, Self.TAB, Self.LF, Self.CR:
                bump()
            case Self.HASH:
                while let c = current, !Self.isNewline(c) { bump() }
            case Self.SLASH where byte(at: pos + 1) == Self.SLASH:
                while let c = current, !Self.isNewline(c) { bump() }
            case Self.SLASH where byte(at: pos + 1) == UInt8(ascii: "*"):
                bump(2)
                while !atEnd, !(current == UInt8(ascii: "*") && byte(at: pos + 1) == Self.SLASH) { bump() }
                bump(2)
            case Self.DQ:
                inString = true
                out.append(b)
                bump()
            case Self.LBRACK, Self.LBRACE:
                closers.append(b == Self.LBRACK ? Self.RBRACK : Self.RBRACE)
                guard closers.count <= JSONScanner.maxDepth else { throw error("JSON \(kind) nested too deeply", at: start) }
                out.append(b)
                bump()
            case Self.RBRACK, Self.RBRACE:
                guard closers.last == b else {
                    throw error("mismatched '\(Character(Unicode.Scalar(b)))' in JSON \(kind) started at \(start)")
                }
                closers.removeLast()
                out.append(b)
                bump()
                if closers.isEmpty {
                    let text = Self.string(out)
                    do {
                        _ = try ConfigJSON.parse(text)
                    } catch let e as ConfigError {
                        throw error("invalid JSON \(kind): \(e.message.replacingOccurrences(of: "invalid JSON: ", with: ""))", at: start)
                    }
                    return text
                }
            default:
                out.append(b)
                bump()
            }
        }
    }

    // MARK: @include

    mutating func parseInclude(into frame: inout Frame, at loc: ConfigLocation) throws {
        while let b = current, Self.isBlank(b) { bump() }
        guard !lineEndMatches(at: pos) else { throw error("@include needs a path", at: loc) }
        guard let raw = try scanString(.lineEnd), !raw.isEmpty else { throw error("@include needs a path", at: loc) }
        guard consumeLineEnd() else { throw error("expected the end of the line after the @include path", at: loc) }
        guard options.allowIncludes else { throw error("@include is not allowed here (includes are disabled)", at: loc) }
        guard includeChain.count < options.maxIncludeDepth else {
            throw error("@include nested more than \(options.maxIncludeDepth) levels deep", at: loc)
        }

        var path = raw
        if let schemeEnd = path.range(of: "://") {
            let scheme = path[..<schemeEnd.lowerBound]
            guard scheme == "file" else {
                throw error("@include \(raw): only local files are supported (no \(scheme):// includes)", at: loc)
            }
            path = String(path[schemeEnd.upperBound...])
        }
        let pattern = Self.normalize(path.hasPrefix("/") ? path : Self.join(baseDirectory, path))
        let matches: [String]
        if IncludeGlob.hasMagic(path) {
            matches = IncludeGlob.expand(pattern)
            if matches.isEmpty {
                warnings.append(ConfigWarning("@include \(raw) matched no files (looked for \(pattern))", at: loc))
            }
        } else {
            guard FileManager.default.fileExists(atPath: pattern), !IncludeGlob.isDirectory(pattern) else {
                throw error("@include \(raw): no such file (resolved to \(pattern))", at: loc)
            }
            matches = [pattern]
        }

        for entry in matches {
            let canonical = Self.canonical(entry)
            if let i = includeChain.firstIndex(of: canonical) {
                let cycle = (includeChain[i...] + [canonical]).map { ($0 as NSString).lastPathComponent }
                throw error("@include cycle: \(cycle.joined(separator: " -> "))", at: loc)
            }
            guard let data = FileManager.default.contents(atPath: entry) else {
                throw error("@include \(raw): cannot read \(entry)", at: loc)
            }
            var sub = ConfigParser(
                bytes: Array(data), file: entry, options: options, baseDirectory: (entry as NSString).deletingLastPathComponent,
                includeChain: includeChain + [canonical], rootAncestors: frame.childAncestors)
            let result = try sub.parse()
            warnings.append(contentsOf: result.warnings)
            files.append(entry)
            files.append(contentsOf: result.files)
            for p in result.params { addParam(p, to: &frame) }
            frame.children.append(contentsOf: result.children)
        }
    }

    static func join(_ base: String, _ path: String) -> String {
        if base.isEmpty || base == "." { return path }
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// Removes `.` and resolves `x/..` lexically, without touching the file system.
    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for c in path.split(separator: "/", omittingEmptySubsequences: true) {
            if c == "." { continue }
            if c == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            if c == "..", absolute, parts.isEmpty { continue }
            parts.append(c)
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// An absolute, symlink-resolved path so the same file reached two ways is one file for cycle detection.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
