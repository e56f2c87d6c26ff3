import Agent
import FluentdConfig
import ForwardProtocol
import Testing

@Suite("grep filter")
struct GrepFilterTests {
    func grep(_ body: String) throws -> GrepFilter {
        let c = try parseConfig("<filter **>\n  @type grep\n\(body)\n</filter>\n")
        guard case .grep(let g) = try #require(c.filters.first).kind else { throw ConfigError("not grep", at: nil) }
        return g
    }

    func rec(_ pairs: (String, MessagePackValue)...) -> [MessagePackPair] { pairs.map { MessagePackPair(.str($0.0), $0.1) } }

    @Test func regexpAndExcludeSections() throws {
        let g = try grep("""
              <regexp>
                key level
                pattern /^(info|warn)$/
              </regexp>
              <exclude>
                key msg
                pattern /secret/
              </exclude>
            """)
        #expect(g.keeps(rec(("level", "info"), ("msg", "hello"))))
        #expect(!g.keeps(rec(("level", "debug"), ("msg", "hello"))))
        #expect(!g.keeps(rec(("level", "warn"), ("msg", "a secret"))))
        // A missing key is matched as "" (nil.to_s).
        #expect(!g.keeps(rec(("msg", "x"))))
    }

    @Test func valuesAreMatchedAsRubyToS() throws {
        let g = try grep("  <regexp>\n    key n\n    pattern /^1\\.5$/\n  </regexp>")
        #expect(g.keeps(rec(("n", .double(1.5)))))
        let i = try grep("  <regexp>\n    key n\n    pattern ^4\n  </regexp>")
        #expect(i.keeps(rec(("n", .int(42)))))
        #expect(!i.keeps(rec(("n", .int(24)))))
        // Ruby's ^ matches after any newline; /i ignores case.
        let m = try grep("  <regexp>\n    key m\n    pattern /^ERROR/i\n  </regexp>")
        #expect(m.keeps(rec(("m", "first line\nerror here"))))
    }

    @Test func andOrSections() throws {
        let g = try grep("""
              <or>
                <regexp>
                  key a
                  pattern /x/
                </regexp>
                <regexp>
                  key b
                  pattern /y/
                </regexp>
              </or>
              <and>
                <exclude>
                  key a
                  pattern /drop/
                </exclude>
                <exclude>
                  key b
                  pattern /drop/
                </exclude>
              </and>
            """)
        #expect(g.keeps(rec(("a", "x"))))
        #expect(g.keeps(rec(("b", "y"))))
        #expect(!g.keeps(rec(("a", "z"))))
        // Both excludes must match to drop.
        #expect(g.keeps(rec(("a", "x drop"), ("b", "ok"))))
        #expect(!g.keeps(rec(("a", "x drop"), ("b", "drop y"))))
    }

    @Test func legacyParametersAndNestedKeys() throws {
        let g = try grep("  regexp1 message keep this\n  exclude1 $.k.deep ^no")
        #expect(g.keeps(rec(("message", "keep this please"))))
        #expect(!g.keeps(rec(("message", "Do not keep"))))
        #expect(!g.keeps(rec(("message", "keep this"), ("k", .map([MessagePackPair(.str("deep"), .str("nope"))])))))
        let c = try parseConfig("<filter **>\n  @type grep\n  regexp1 message keep this\n</filter>\n")
        #expect(c.warnings.contains { $0.message.contains("'regexp1' parameter is deprecated: Use <regexp> section") })
    }

    @Test func configErrorsAsFluentd() {
        expectConfigError("<filter **>\n  @type grep\n  regexp1 onlykey\n</filter>", line: 3, "regexp1 does not contain 2 parameters")
        expectConfigError("<filter **>\n  @type grep\n  <regexp>\n    key a\n    pattern x\n  </regexp>\n  <regexp>\n    key a\n    pattern y\n  </regexp>\n</filter>", line: 7, "Duplicate key: a")
        expectConfigError("<filter **>\n  @type grep\n  <and>\n    <regexp>\n      key a\n      pattern x\n    </regexp>\n    <exclude>\n      key b\n      pattern y\n    </exclude>\n  </and>\n</filter>", line: 3, "Do not specify both <regexp> and <exclude> in <and>")
        expectConfigError("<filter **>\n  @type grep\n  <regexp>\n    key a\n  </regexp>\n</filter>", line: 3, "pattern")
        expectConfigError("<filter **>\n  @type grep\n  <regexp>\n    key a\n    pattern /x/abc\n  </regexp>\n</filter>", line: 5, "missing right slash")
        expectConfigError("<filter **>\n  @type parser\n</filter>", line: 2, "filter plugin 'parser' is not supported")
    }
}
