import FluentdConfig
import Testing

/// SplitMix64: a tiny deterministic generator so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct RobustnessTests {
    var noSideEffects: ConfigParseOptions {
        var o = testOptions
        o.allowIncludes = false
        return o
    }

    /// Parsing either succeeds or throws ConfigError; anything else (or a crash) fails the test.
    func check(_ text: String) {
        do {
            let doc = try parse(text, options: noSideEffects)
            // Whatever parsed must also survive typed reads and rendering.
            for e in [doc.root] + doc.allElements {
                var r = e.reader()
                for p in e.params.prefix(4) {
                    _ = try? r.time(p.name, default: 0)
                    _ = try? r.size(p.name, default: 0)
                    _ = try? r.bool(p.name, default: false)
                    _ = try? r.array(p.name, default: [])
                    _ = try? r.hash(p.name, default: [:])
                }
                _ = try? r.rejectUnknown()
            }
            _ = doc.description
        } catch is ConfigError {
        } catch {
            Issue.record("non-ConfigError \(error) for \(text.debugDescription)")
        }
    }

    @Test func randomBytes() {
        var rng = SeededGenerator(state: 0xF1_0E_7D)
        for _ in 0..<2000 {
            let n = Int.random(in: 0..<200, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            check(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test func randomSyntaxSoup() {
        let pieces = ["<", ">", "</", "source", "match", "s", " ", "  ", "\n", "\r\n", "#", "\"", "'", "\\", "[", "]", "{",
                      "}", "#{", "ENV['X']", "hostname", "@type", "@include", "include", "k", "v", ",", ":", "1", "s",
                      "0.5s", "//", "/*", "*/", "|", "\t", "é", "\u{0}", "}\"", "[\"a\",", "{\"k\":"]
        var rng = SeededGenerator(state: 42)
        for _ in 0..<2000 {
            let n = Int.random(in: 0..<40, using: &rng)
            check((0..<n).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &rng)] }.joined())
        }
    }

    @Test func pathologicalNesting() {
        check(String(repeating: "<a>\n", count: 20_000))
        check(String(repeating: "<a>\n", count: 5_000) + String(repeating: "</a>\n", count: 5_000))
        check("k " + String(repeating: "[", count: 50_000))
        check("k " + String(repeating: "{\"a\":", count: 50_000))
        check("k \"#{" + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000) + "}\"")
        check("k \"#{" + String(repeating: "-", count: 10_000) + "1}\"")
        check("k \"#{" + String(repeating: "{", count: 10_000))
        check(String(repeating: " ", count: 20_000) + "k" + String(repeating: " ", count: 2_000) + "v")
    }

    @Test func deepDocumentParses() throws {
        let depth = 1_000
        let text = String(repeating: "<a>\n", count: depth) + "k v\n" + String(repeating: "</a>\n", count: depth)
        var e = try #require(try parse(text).root.children.first)
        var levels = 1
        while let c = e.children.first { e = c; levels += 1 }
        #expect(levels == depth)
        #expect(e["k"] == "v")
        let tooDeep = String(repeating: "<a>\n", count: depth + 1) + String(repeating: "</a>\n", count: depth + 1)
        #expect(parseError(tooDeep)?.message.contains("nested more than") == true)
        #expect(parseError(tooDeep)?.line == depth + 1)
    }
}
