/// Evaluates the small subset of Ruby that real configs put inside `"#{...}"`.
///
/// Supported: `ENV['X']`, `ENV.fetch('X'[, 'default'])`, `Socket.gethostname`, `hostname`, `worker_id`,
/// `Dir.pwd`, `File.join(...)`, `File.expand_path(p[, base])`, `File.basename`/`dirname`, `Socket.getifaddrs`
/// (with `.addr.ipv4?`, `.addr.ip_address`, ...), string/integer literals, `+`, `-`, `||`, `&&`, `!`, `==`, `!=`,
/// parentheses, blocks `{ |x| ... }` for `select`/`reject`/`find`/`map`, and the string/array methods
/// `split`, `[i]`, `first`, `last`, `join`, `downcase`, `upcase`, `strip`, `to_s`, `to_i`, `size`, `empty?`.
/// Anything else throws instead of being kept as literal text, so a typo never silently becomes a value.
enum EmbeddedRuby {
    static let supportedSummary =
        "supported: ENV['NAME'], ENV.fetch('NAME'[, 'default']), Socket.gethostname, hostname, worker_id, Dir.pwd, "
        + "File.join/expand_path, Socket.getifaddrs, string literals, +, ||, ==, blocks, .split(...)[n], .downcase, .strip"

    /// The interpolated text for `code`, or a location-free `ConfigError`.
    static func evaluate(_ code: String, options: ConfigParseOptions) throws -> String {
        let tokens = try tokenize(code)
        if tokens.isEmpty { return "" }  // "#{}" is the empty string in Ruby
        var parser = Parser(code: code, tokens: tokens)
        let node = try parser.expression(depth: 0)
        guard parser.index == tokens.count else { throw parser.unsupported("unexpected \(parser.describePeek())") }
        var evaluator = Evaluator(code: code, options: options)
        return try evaluator.eval(node, env: [:], depth: 0).interpolated()
    }

    static func unsupported(_ code: String, _ detail: String) -> ConfigError {
        ConfigError("unsupported embedded Ruby code '#{\(code)}': \(detail) (\(supportedSummary))", at: nil)
    }

    // MARK: Tokens

    enum Token: Equatable {
        case ident(String)
        case string(String)
        case integer(Int)
        case punct(String)
    }

    static func tokenize(_ code: String) throws -> [Token] {
        let s = Array(code.unicodeScalars)
        var i = 0
        var out: [Token] = []
        func isIdentStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" }
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1; continue }
            if isIdentStart(c) {
                var j = i
                while j < s.count, isIdentStart(s[j]) || ("0"..."9").contains(s[j]) { j += 1 }
                // Ruby predicate/bang methods end in ? or ! (but not `!=`).
                if j < s.count, s[j] == "?" || (s[j] == "!" && !(j + 1 < s.count && s[j + 1] == "=")) { j += 1 }
                out.append(.ident(String(String.UnicodeScalarView(s[i..<j]))))
                i = j
            } else if ("0"..."9").contains(c) {
                var j = i
                while j < s.count, ("0"..."9").contains(s[j]) || s[j] == "_" { j += 1 }
                let text = String(String.UnicodeScalarView(s[i..<j])).replacingUnderscores()
                guard let n = Int(text) else { throw unsupported(code, "integer out of range") }
                out.append(.integer(n))
                i = j
            } else if c == "'" || c == "\"" {
                var j = i + 1
                var text = String.UnicodeScalarView()
                var closed = false
                while j < s.count {
                    let d = s[j]
                    if d == c { closed = true; j += 1; break }
                    if d == "\\", j + 1 < s.count {
                        let e = s[j + 1]
                        if c == "'" {
                            // Single quotes only unescape \' and \\.
                            if e == "'" || e == "\\" { text.append(e) } else { text.append(d); text.append(e) }
                        } else {
                            switch e {
                            case "n": text.append("\n")
                            case "t": text.append("\t")
                            case "r": text.append("\r")
                            case "0": text.append("\0")
                            default: text.append(e)
                            }
                        }
                        j += 2
                        continue
                    }
                    if c == "\"", d == "#", j + 1 < s.count, s[j + 1] == "{" {
                        throw unsupported(code, "nested interpolation")
                    }
                    text.append(d)
                    j += 1
                }
                guard closed else { throw unsupported(code, "unterminated string literal") }
                out.append(.string(String(text)))
                i = j
            } else {
                let two = i + 1 < s.count ? String(String.UnicodeScalarView([c, s[i + 1]])) : ""
                if ["||", "&&", "==", "!=", "::"].contains(two) {
                    out.append(.punct(two))
                    i += 2
                } else if ".[](),{}|!-+".unicodeScalars.contains(c) {
                    out.append(.punct(String(c)))
                    i += 1
                } else {
                    throw unsupported(code, "unexpected character '\(c)'")
                }
            }
        }
        return out
    }

    // MARK: Syntax tree

    indirect enum Node {
        case literal(Value)
        case name(String)
        case call(Node, String, [Node], Block?)
        case index(Node, Node)
        case or(Node, Node)
        case and(Node, Node)
        case equal(Node, Node, negated: Bool)
        case not(Node)
        case negate(Node)
        case add(Node, Node)
        case subtract(Node, Node)
    }

    struct Block {
        let parameter: String?
        let body: Node
    }

    struct Parser {
        static let maxDepth = 32
        let code: String
        let tokens: [Token]
        var index = 0

        init(code: String, tokens: [Token]) {
            self.code = code
            self.tokens = tokens
        }

        func unsupported(_ detail: String) -> ConfigError { EmbeddedRuby.unsupported(code, detail) }

        var peek: Token? { index < tokens.count ? tokens[index] : nil }

        func describePeek() -> String {
            switch peek {
            case .ident(let s)?: return "'\(s)'"
            case .string(let s)?: return "string '\(s)'"
            case .integer(let n)?: return "\(n)"
            case .punct(let p)?: return "'\(p)'"
            case nil: return "end of code"
            }
        }

        mutating func take(_ p: String) -> Bool {
            if peek == .punct(p) { index += 1; return true }
            return false
        }

        mutating func expect(_ p: String) throws {
            guard take(p) else { throw unsupported("expected '\(p)' but found \(describePeek())") }
        }

        mutating func expression(depth: Int) throws -> Node {
            guard depth < Self.maxDepth else { throw unsupported("nested too deeply") }
            var lhs = try conjunction(depth: depth)
            while take("||") { lhs = .or(lhs, try conjunction(depth: depth)) }
            return lhs
        }

        mutating func conjunction(depth: Int) throws -> Node {
            var lhs = try equality(depth: depth)
            while take("&&") { lhs = .and(lhs, try equality(depth: depth)) }
            return lhs
        }

        mutating func equality(depth: Int) throws -> Node {
            let lhs = try additive(depth: depth)
            if take("==") { return .equal(lhs, try additive(depth: depth), negated: false) }
            if take("!=") { return .equal(lhs, try additive(depth: depth), negated: true) }
            return lhs
        }

        mutating func additive(depth: Int) throws -> Node {
            var lhs = try unary(depth: depth)
            while true {
                if take("+") {
                    lhs = .add(lhs, try unary(depth: depth))
                } else if take("-") {
                    lhs = .subtract(lhs, try unary(depth: depth))
                } else {
                    return lhs
                }
            }
        }

        mutating func unary(depth: Int) throws -> Node {
            guard depth < Self.maxDepth else { throw unsupported("nested too deeply") }
            if take("!") { return .not(try unary(depth: depth + 1)) }
            if take("-") { return .negate(try unary(depth: depth + 1)) }
            return try postfix(depth: depth)
        }

        mutating func primary(depth: Int) throws -> Node {
            guard let t = peek else { throw unsupported("unexpected end of code") }
            index += 1
            switch t {
            case .string(let s): return .literal(.string(s))
            case .integer(let n): return .literal(.integer(n))
            case .punct("("):
                let v = try expression(depth: depth + 1)
                try expect(")")
                return v
            case .punct("::"): return try primary(depth: depth)  // ::ENV is ENV
            case .ident("nil"): return .literal(.nil)
            case .ident("true"): return .literal(.bool(true))
            case .ident("false"): return .literal(.bool(false))
            case .ident(let name): return .name(name)
            case .punct(let p): throw unsupported("unexpected '\(p)'")
            }
        }

        mutating func postfix(depth: Int) throws -> Node {
            var node = try primary(depth: depth)
            while true {
                if take("[") {
                    let key = try expression(depth: depth + 1)
                    try expect("]")
                    node = .index(node, key)
                } else if take(".") || take("::") {
                    guard case .ident(let m)? = peek else { throw unsupported("expected a method name after '.'") }
                    index += 1
                    var args: [Node] = []
                    if take("(") {
                        if !take(")") {
                            repeat { args.append(try expression(depth: depth + 1)) } while take(",")
                            try expect(")")
                        }
                    } else if case .string? = peek {
                        // Parenthesis-free call: `File.expand_path './x'`.
                        repeat { args.append(try equality(depth: depth + 1)) } while take(",")
                    }
                    var block: Block?
                    if take("{") {
                        var param: String?
                        if take("|") {
                            guard case .ident(let p)? = peek else { throw unsupported("expected a block parameter") }
                            index += 1
                            param = p
                            try expect("|")
                        }
                        let body = try expression(depth: depth + 1)
                        try expect("}")
                        block = Block(parameter: param, body: body)
                    }
                    node = .call(node, m, args, block)
                } else {
                    return node
                }
            }
        }
    }

    // MARK: Values and evaluation

    enum Value {
        case `nil`
        case bool(Bool)
        case string(String)
        case integer(Int)
        case array([Value])
        case interface(name: String, address: ConfigParseOptions.InterfaceAddress)
        case address(ConfigParseOptions.InterfaceAddress)
        case env, socket, dir, file

        var truthy: Bool {
            switch self {
            case .nil, .bool(false): return false
            default: return true
            }
        }

        func interpolated() throws -> String {
            switch self {
            case .nil: return ""
            case .bool(let b): return b ? "true" : "false"
            case .string(let s): return s
            case .integer(let i): return String(i)
            case .array(let a): return "[" + (try a.map { try $0.inspected() }).joined(separator: ", ") + "]"
            case .interface(let name, _): return name
            case .address(let a): return a.address
            case .env, .socket, .dir, .file:
                throw ConfigError("embedded Ruby code evaluates to a class, not a value", at: nil)
            }
        }

        func inspected() throws -> String {
            switch self {
            case .nil: return "nil"
            case .string(let s): return ConfigJSON.quote(s)
            default: return try interpolated()
            }
        }

        func equals(_ other: Value) -> Bool {
            switch (self, other) {
            case (.nil, .nil): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.string(a), .string(b)): return a == b
            case let (.integer(a), .integer(b)): return a == b
            case let (.array(a), .array(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.equals($1) }
            default: return false
            }
        }
    }

    struct Evaluator {
        let code: String
        let options: ConfigParseOptions

        func unsupported(_ detail: String) -> ConfigError { EmbeddedRuby.unsupported(code, detail) }

        mutating func eval(_ node: Node, env: [String: Value], depth: Int) throws -> Value {
            guard depth < 256 else { throw unsupported("nested too deeply") }
            switch node {
            case .literal(let v): return v
            case .name(let name):
                if let v = env[name] { return v }
                switch name {
                case "ENV": return .env
                case "Socket": return .socket
                case "Dir": return .dir
                case "File": return .file
                case "hostname": return .string(options.resolvedHostname)
                case "worker_id": return .string(options.resolvedWorkerID)
                default: throw unsupported("unknown name '\(name)'")
                }
            case .or(let a, let b):
                let l = try eval(a, env: env, depth: depth + 1)
                return l.truthy ? l : try eval(b, env: env, depth: depth + 1)
            case .and(let a, let b):
                let l = try eval(a, env: env, depth: depth + 1)
                return l.truthy ? try eval(b, env: env, depth: depth + 1) : l
            case .equal(let a, let b, let negated):
                let eq = try eval(a, env: env, depth: depth + 1).equals(try eval(b, env: env, depth: depth + 1))
                return .bool(eq != negated)
            case .not(let a): return .bool(!(try eval(a, env: env, depth: depth + 1).truthy))
            case .negate(let a):
                guard case .integer(let n) = try eval(a, env: env, depth: depth + 1) else { throw unsupported("unary minus on a non-integer") }
                return .integer(0 &- n)
            case .add(let a, let b):
                switch (try eval(a, env: env, depth: depth + 1), try eval(b, env: env, depth: depth + 1)) {
                case let (.string(x), .string(y)): return .string(x + y)
                case let (.integer(x), .integer(y)): return .integer(x &+ y)
                case let (.array(x), .array(y)): return .array(x + y)
                default: throw unsupported("'+' needs two strings or two integers (use .to_s to convert)")
                }
            case .subtract(let a, let b):
                guard case .integer(let x) = try eval(a, env: env, depth: depth + 1),
                    case .integer(let y) = try eval(b, env: env, depth: depth + 1)
                else { throw unsupported("'-' needs two integers") }
                return .integer(x &- y)
            case .index(let a, let k):
                return try subscripted(try eval(a, env: env, depth: depth + 1), try eval(k, env: env, depth: depth + 1))
            case .call(let receiver, let method, let argNodes, let block):
                let r = try eval(receiver, env: env, depth: depth + 1)
                let args = try argNodes.map { try eval($0, env: env, depth: depth + 1) }
                if let block {
                    return try callWithBlock(r, method, block, env: env, depth: depth + 1)
                }
                return try call(r, method, args)
            }
        }

        mutating func callWithBlock(_ r: Value, _ m: String, _ block: Block, env: [String: Value], depth: Int) throws -> Value {
            guard case .array(let items) = r else { throw unsupported("block given to '\(m)' on a non-array") }
            func run(_ item: Value) throws -> Value {
                var inner = env
                if let p = block.parameter { inner[p] = item }
                return try eval(block.body, env: inner, depth: depth + 1)
            }
            switch m {
            case "select", "filter": return .array(try items.filter { try run($0).truthy })
            case "reject": return .array(try items.filter { !(try run($0).truthy) })
            case "find", "detect": return try items.first { try run($0).truthy } ?? .nil
            case "map", "collect": return .array(try items.map(run))
            default: throw unsupported("unknown block method '\(m)'")
            }
        }

        func subscripted(_ v: Value, _ key: Value) throws -> Value {
            switch (v, key) {
            case (.env, .string(let name)): return options.environment[name].map(Value.string) ?? .nil
            case (.array(let a), .integer(let i)):
                let j = i < 0 ? a.count + i : i
                return (0..<a.count).contains(j) ? a[j] : .nil
            case (.string(let s), .integer(let i)):
                let chars = Array(s)
                let j = i < 0 ? chars.count + i : i
                return (0..<chars.count).contains(j) ? .string(String(chars[j])) : .nil
            case (.nil, _): throw unsupported("undefined method '[]' for nil")
            default: throw unsupported("unsupported subscript")
            }
        }

        func strings(_ args: [Value], _ what: String) throws -> [String] {
            try args.map {
                guard case .string(let s) = $0 else { throw unsupported("\(what) needs string arguments") }
                return s
            }
        }

        func call(_ v: Value, _ m: String, _ args: [Value]) throws -> Value {
            switch (v, m, args.count) {
            case (.socket, "gethostname", 0): return .string(options.resolvedHostname)
            case (.socket, "getifaddrs", 0):
                return .array(options.resolvedInterfaceAddresses.map { .interface(name: $0.interface, address: $0) })
            case (.dir, "pwd", 0), (.dir, "getwd", 0): return .string(options.resolvedCurrentDirectory)
            case (.file, "join", _):
                return .string(Self.fileJoin(try strings(args, "File.join")))
            case (.file, "expand_path", 1), (.file, "expand_path", 2):
                let a = try strings(args, "File.expand_path")
                return .string(expandPath(a[0], base: a.count > 1 ? a[1] : nil))
            case (.file, "basename", 1):
                return .string(String(try strings(args, "File.basename")[0].split(separator: "/").last ?? ""))
            case (.file, "dirname", 1):
                let p = try strings(args, "File.dirname")[0]
                let parts = p.split(separator: "/", omittingEmptySubsequences: false).dropLast()
                let d = parts.joined(separator: "/")
                return .string(d.isEmpty ? (p.hasPrefix("/") ? "/" : ".") : d)
            case (.env, "fetch", 1), (.env, "fetch", 2):
                guard case .string(let name) = args[0] else { throw unsupported("ENV.fetch needs a string name") }
                if let value = options.environment[name] { return .string(value) }
                if args.count == 2 { return args[1] }
                throw ConfigError("embedded Ruby code '#{\(code)}': key not found: \"\(name)\" (environment variable is not set)", at: nil)
            case (.env, "key?", 1), (.env, "has_key?", 1), (.env, "include?", 1):
                guard case .string(let name) = args[0] else { throw unsupported("ENV.key? needs a string name") }
                return .bool(options.environment[name] != nil)
            case (.interface(let name, _), "name", 0): return .string(name)
            case (.interface(_, let a), "addr", 0): return .address(a)
            case (.address(let a), "ip_address", 0): return .string(a.address)
            case (.address(let a), "ipv4?", 0): return .bool(a.isIPv4)
            case (.address(let a), "ipv6?", 0): return .bool(!a.isIPv4)
            case (.address(let a), "ipv4_loopback?", 0): return .bool(a.isIPv4 && a.address.hasPrefix("127."))
            case (.address(let a), "ipv6_loopback?", 0): return .bool(!a.isIPv4 && a.address == "::1")
            case (.string(let s), "split", 0):
                return .array(s.split(whereSeparator: { $0.isRubyWhitespace }).map { .string(String($0)) })
            case (.string(let s), "split", 1):
                guard case .string(let sep) = args[0], !sep.isEmpty else { throw unsupported("split needs a non-empty string separator") }
                var parts = s.components(separatedByString: sep)
                while parts.last == "" { parts.removeLast() }  // Ruby drops trailing empty fields
                return .array(parts.map(Value.string))
            case (.string(let s), "downcase", 0): return .string(s.lowercased())
            case (.string(let s), "upcase", 0): return .string(s.uppercased())
            case (.string(let s), "strip", 0): return .string(s.trimmingWhitespace())
            case (.string(let s), "to_s", 0): return .string(s)
            case (.string(let s), "to_i", 0):
                return .integer((try? ConfigValueTypes.integer(String(s.prefix { $0.isASCIIDigit || $0 == "-" }))) ?? 0)
            case (.string(let s), "empty?", 0): return .bool(s.isEmpty)
            case (.string(let s), "size", 0), (.string(let s), "length", 0): return .integer(s.count)
            case (.integer(let i), "to_s", 0): return .string(String(i))
            case (.integer(let i), "to_i", 0): return .integer(i)
            case (.nil, "to_s", 0): return .string("")
            case (.nil, "nil?", 0): return .bool(true)
            case (_, "nil?", 0): return .bool(false)
            case (.array(let a), "first", 0): return a.first ?? .nil
            case (.array(let a), "last", 0): return a.last ?? .nil
            case (.array(let a), "size", 0), (.array(let a), "length", 0), (.array(let a), "count", 0): return .integer(a.count)
            case (.array(let a), "empty?", 0): return .bool(a.isEmpty)
            case (.array(let a), "join", 0): return .string(try a.map { try $0.interpolated() }.joined())
            case (.array(let a), "join", 1):
                guard case .string(let sep) = args[0] else { throw unsupported("join needs a string separator") }
                return .string(try a.map { try $0.interpolated() }.joined(separator: sep))
            case (.nil, _, _): throw unsupported("undefined method '\(m)' for nil")
            default: throw unsupported("unknown method '\(m)'")
            }
        }

        /// Ruby's File.join: one separator between parts, whatever the parts end or start with.
        static func fileJoin(_ parts: [String]) -> String {
            var out = ""
            for (i, p) in parts.enumerated() {
                if i == 0 { out = p; continue }
                let left = out.hasSuffix("/") ? String(out.dropLast()) : out
                let right = p.hasPrefix("/") ? String(p.dropFirst()) : p
                out = left + "/" + right
            }
            return out
        }

        func expandPath(_ path: String, base: String?) -> String {
            var p = path
            if p == "~" || p.hasPrefix("~/") { p = (options.environment["HOME"] ?? "/") + p.dropFirst() }
            if !p.hasPrefix("/") {
                let b = base.map { expandPath($0, base: nil) } ?? options.resolvedCurrentDirectory
                p = b + "/" + p
            }
            return ConfigParser.normalize(p)
        }
    }
}

extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }

    /// Splits on every occurrence of `sep`, keeping empty fields (Foundation-free `components(separatedBy:)`).
    func components(separatedByString sep: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let r = rest.firstRange(of: sep) {
            parts.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}
