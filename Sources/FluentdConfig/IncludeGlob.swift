import Foundation

/// Expands `@include` patterns the way Ruby's `Dir.glob` does for the cases configs use:
/// `*`, `?`, `[a-z]`, `[!x]`, `{a,b}`, and `**` as "any depth of directories". Dotfiles only match
/// a pattern component that itself starts with a dot. Results are regular files, sorted bytewise.
enum IncludeGlob {
    static let maxExpansions = 4096

    static func hasMagic(_ s: String) -> Bool { s.contains { "*?[{".contains($0) } }

    /// Matching files for an absolute `pattern`, sorted bytewise (Ruby's `Array#sort` on strings).
    static func expand(_ pattern: String) -> [String] {
        var results = Set<String>()
        for p in expandBraces(pattern) {
            for path in globOne(p) { results.insert(path) }
        }
        return results.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    static func globOne(_ pattern: String) -> [String] {
        let fm = FileManager.default
        let absolute = pattern.hasPrefix("/")
        let components = pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var paths: [String] = [absolute ? "/" : "."]
        func join(_ base: String, _ name: String) -> String {
            base == "/" ? "/" + name : base + "/" + name
        }
        for comp in components {
            var next: [String] = []
            if comp == "**" {
                // Zero or more directories below each current path.
                var stack = paths
                while let dir = stack.popLast(), next.count < maxExpansions {
                    next.append(dir)
                    let entries = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
                    for e in entries.sorted() where !e.hasPrefix(".") {
                        let full = join(dir, e)
                        if isDirectory(full) { stack.append(full) }
                    }
                }
            } else if hasMagic(comp) {
                let pat = Array(comp)
                for dir in paths {
                    let entries = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
                    for e in entries where (!e.hasPrefix(".") || comp.hasPrefix(".")) && matches(pat, Array(e)) {
                        next.append(join(dir, e))
                        if next.count >= maxExpansions { break }
                    }
                }
            } else {
                let literal = comp.replacingOccurrences(of: "\\", with: "")
                next = paths.map { join($0, literal) }
            }
            paths = next
            if paths.isEmpty { return [] }
        }
        return paths.filter { fm.fileExists(atPath: $0) && !isDirectory($0) }
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// `{a,b}c` -> `ac`, `bc` (nested braces allowed); a brace without a matching close is literal.
    static func expandBraces(_ pattern: String) -> [String] {
        var out: [String] = []
        var work = [pattern]
        while let p = work.popLast() {
            let chars = Array(p)
            guard let (open, close, parts) = firstBraceGroup(chars) else {
                out.append(p)
                if out.count >= maxExpansions { break }
                continue
            }
            let prefix = String(chars[..<open])
            let suffix = String(chars[(close + 1)...])
            for part in parts.reversed() { work.append(prefix + part + suffix) }
            if work.count > maxExpansions { break }
        }
        return out
    }

    /// The first `{...}` group: its bounds and its top-level comma-separated alternatives.
    static func firstBraceGroup(_ c: [Character]) -> (Int, Int, [String])? {
        var i = 0
        while i < c.count {
            if c[i] == "\\" { i += 2; continue }
            if c[i] == "{" {
                var depth = 0
                var parts: [String] = []
                var current = ""
                var j = i
                while j < c.count {
                    let ch = c[j]
                    if ch == "\\", j + 1 < c.count { current.append(ch); current.append(c[j + 1]); j += 2; continue }
                    if ch == "{" {
                        depth += 1
                        if depth > 1 { current.append(ch) }
                    } else if ch == "}" {
                        depth -= 1
                        if depth == 0 { parts.append(current); return (i, j, parts) }
                        current.append(ch)
                    } else if ch == ",", depth == 1 {
                        parts.append(current)
                        current = ""
                    } else {
                        current.append(ch)
                    }
                    j += 1
                }
                return nil  // unbalanced: treat the rest literally
            }
            i += 1
        }
        return nil
    }

    /// fnmatch for one path component: `*`, `?`, `[...]`, backslash escapes.
    static func matches(_ p: [Character], _ s: [Character]) -> Bool {
        var pi = 0, si = 0
        var starP = -1, starS = 0
        while si < s.count {
            if pi < p.count {
                switch p[pi] {
                case "*":
                    starP = pi
                    starS = si
                    pi += 1
                    continue
                case "?":
                    pi += 1
                    si += 1
                    continue
                case "[":
                    if let (ok, end) = matchClass(p, pi, s[si]) {
                        if ok { pi = end; si += 1; continue }
                    } else if s[si] == "[" {
                        pi += 1; si += 1; continue
                    }
                case "\\" where pi + 1 < p.count:
                    if p[pi + 1] == s[si] { pi += 2; si += 1; continue }
                default:
                    if p[pi] == s[si] { pi += 1; si += 1; continue }
                }
            }
            guard starP >= 0 else { return false }
            pi = starP + 1
            starS += 1
            si = starS
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// Whether `ch` is in the class starting at `p[start] == "["`, and the index after `]`; nil if unterminated.
    static func matchClass(_ p: [Character], _ start: Int, _ ch: Character) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < p.count, p[i] == "!" || p[i] == "^" { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < p.count {
            if p[i] == "]" && !first { return (matched != negate, i + 1) }
            first = false
            var lo = p[i]
            if lo == "\\", i + 1 < p.count { i += 1; lo = p[i] }
            if i + 2 < p.count, p[i + 1] == "-", p[i + 2] != "]" {
                let hi = p[i + 2]
                if lo <= ch && ch <= hi { matched = true }
                i += 3
            } else {
                if lo == ch { matched = true }
                i += 1
            }
        }
        return nil
    }
}
