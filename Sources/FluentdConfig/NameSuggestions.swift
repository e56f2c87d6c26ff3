/// "Did you mean ...?" candidates for misspelled parameter and section names.
enum NameSuggestions {
    /// Up to three `known` names close to `name`, closest first.
    static func closeMatches(to name: String, in known: some Collection<String>) -> [String] {
        let target = Array(name.lowercased())
        let threshold = max(1, min(3, target.count / 3))
        var scored: [(String, Int)] = []
        for candidate in Set(known) where candidate != name {
            let c = Array(candidate.lowercased())
            let d = distance(target, c)
            // Also offer names that merely add or drop a suffix ("heartbeat" -> "heartbeat_interval").
            let prefixRelated = min(c.count, target.count) >= 4 && (c.starts(with: target) || target.starts(with: c))
            if d <= threshold { scored.append((candidate, d)) } else if prefixRelated { scored.append((candidate, threshold + 1)) }
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(3).map(\.0)
    }

    /// Optimal-string-alignment distance: Levenshtein plus adjacent transpositions ("prot" -> "port" is 1).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // Long inputs cannot be "close"; skip the quadratic work.
        if abs(a.count - b.count) > 3 || a.count > 128 || b.count > 128 { return Int.max / 2 }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    cur[j] = min(cur[j], prev2[j - 2] + 1)
                }
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }

    /// ` (did you mean 'a' or 'b'?)`, or "" when there is nothing close.
    static func hint(for name: String, in known: some Collection<String>, wrap: (String) -> String = { "'\($0)'" }) -> String {
        let matches = closeMatches(to: name, in: known).map(wrap)
        guard !matches.isEmpty else { return "" }
        let list = matches.count == 1 ? matches[0] : matches.dropLast().joined(separator: ", ") + " or " + (matches.last ?? "")
        return " (did you mean \(list)?)"
    }
}
