import Agent
import Testing

@Suite("Match patterns")
struct MatchPatternTests {
    static let cases: [(pattern: String, matching: [String], notMatching: [String])] = [
        ("a", ["a"], ["b", "a.b", "ab", ""]),
        ("a.*", ["a.b", "a.c", "a."], ["a", "a.b.c", "b.a"]),
        ("*", ["a", "abc", ""], ["a.b"]),
        ("a.**", ["a", "a.b", "a.b.c"], ["ab", "b.a", "ab.c"]),
        ("**.b", ["b", "a.b", "x.y.b"], ["ab", "b.c", "xb"]),
        ("a.**.b", ["a.b", "a.x.b", "a.x.y.b"], ["ab", "a.xb", "a.b.c"]),
        ("**", ["", "a", "a.b.c"], []),
        ("{a,b}", ["a", "b"], ["c", "ab", "a.b"]),
        ("{a,b}.c", ["a.c", "b.c"], ["c", "ab.c"]),
        ("app.{web,api}.**", ["app.web", "app.api.x", "app.web.x.y"], ["app.db", "app.webx"]),
        ("a.{b.*,c}", ["a.b.x", "a.c"], ["a.b", "a.b.x.y"]),
        ("a*b", ["ab", "axxb"], ["a.b"]),
        ("a\\*", ["a*"], ["ab"]),
        ("a+b", ["a+b"], ["aab"]),
        ("/app\\.[0-9]+/", ["app.1", "app.42"], ["app.x", "xapp.1", "app.1.x"]),
    ]

    @Test(arguments: cases.indices)
    func globSemantics(_ i: Int) throws {
        let c = Self.cases[i]
        let p = try MatchPattern(c.pattern)
        for tag in c.matching { #expect(p.matches(tag), "\(c.pattern) should match '\(tag)'") }
        for tag in c.notMatching { #expect(!p.matches(tag), "\(c.pattern) should not match '\(tag)'") }
    }

    @Test func multiplePatternsAndRouting() throws {
        let config = try parseConfig("""
            <match app.** sys.*>
              @type null
            </match>
            <match **>
              @type stdout
            </match>
            """)
        #expect(config.matches[0].patterns.map(\.text) == ["app.**", "sys.*"])
        #expect(config.route(tag: "app.x")?.output.typeName == "null")
        #expect(config.route(tag: "sys.y")?.output.typeName == "null")
        #expect(config.route(tag: "sys.y.z")?.output.typeName == "stdout")
        #expect(config.route(tag: "other")?.output.typeName == "stdout")
    }

    @Test func emptyMatchArgumentMeansEverything() throws {
        let config = try parseConfig("<match>\n  @type null\n</match>")
        #expect(config.route(tag: "anything.at.all") != nil)
    }

    @Test func labelsRouteSeparately() throws {
        let config = try parseConfig("""
            <source>
              @type forward
              @label @RAW
            </source>
            <label @RAW>
              <match **>
                @type stdout
              </match>
            </label>
            <match **>
              @type null
            </match>
            """)
        #expect(config.sources[0].label == "@RAW")
        #expect(config.route(tag: "x", label: "@RAW")?.output.typeName == "stdout")
        #expect(config.route(tag: "x")?.output.typeName == "null")
    }

    @Test func pathologicalPatternTerminates() throws {
        let p = try MatchPattern("*a*a*a*a*a*a*a*a*a*a*a*b")
        #expect(!p.matches(String(repeating: "a", count: 60)))
    }

    @Test func unclosedBraceIsAnError() {
        #expect(throws: (any Error).self) { try MatchPattern("{a,b") }
        #expect(throws: (any Error).self) { try MatchPattern("/abc") }
    }
}
