import FluentdConfig
import Testing

@Suite struct ConfigParserStructureTests {
    @Test func sectionsNestAndKeepOrder() throws {
        let doc = try parse(
            """
            # comment at the top
            <system>
              workers 2
            </system>

            <source>
              @type forward
              @id in1
              port 24224
            </source>
            <match app.** system.**>
              @type forward
              <server>
                host a
                <deeper x>
                  <deepest>
                    k v
                  </deepest>
                </deeper>
              </server>
              <server>
                host b
              </server>
              <buffer tag,time>
                timekey 1h
              </buffer>
            </match>
            """)
        #expect(doc.root.children.map(\.name) == ["system", "source", "match"])
        #expect(doc.system?["workers"] == "2")
        let source = try #require(doc.sources.first)
        #expect(source.type == "forward")
        #expect(source.id == "in1")
        #expect(source.location.line == 6)
        let match = try #require(doc.matches.first)
        #expect(match.argument == "app.** system.**")
        #expect(match.arguments == ["app.**", "system.**"])
        #expect(match.children(named: "server").map { $0["host"] } == ["a", "b"])
        #expect(match.child(named: "buffer")?.commaSeparatedArguments == ["tag", "time"])
        let deepest = try #require(match.children.first?.child(named: "deeper")?.child(named: "deepest"))
        #expect(deepest["k"] == "v")
        #expect(deepest.ancestors == ["match app.** system.**", "server", "deeper x"])
        #expect(deepest.context == "<deepest> in <deeper x> in <server> in <match app.** system.**>")
        #expect(doc.allElements.count == 8)
    }

    @Test func anySectionNameIsAccepted() throws {
        let names = ["filter", "label", "secondary", "security", "user", "client", "transport", "parse", "format",
                     "service_discovery", "inject", "extract", "store", "worker", "record", "my_custom_1"]
        for n in names {
            let doc = try parse("<\(n) arg>\n  k v\n</\(n)>\n")
            #expect(doc.root.children.first?.name == n)
            #expect(doc.root.children.first?.argument == "arg")
        }
    }

    @Test func topLevelParametersLiveOnRoot() throws {
        let doc = try parse("top 1\n<source>\n</source>\n")
        #expect(doc.root["top"] == "1")
        #expect(doc.root.name == "ROOT")
        #expect(doc.root.context == "top level")
    }

    @Test func reservedParametersAndHelpers() throws {
        let doc = try parse(
            """
            <source>
              @type forward
              @id in_fwd
              @label @OUT
              @log_level debug
            </source>
            <label @OUT>
              <match **>
                type stdout
                log_level warn
              </match>
            </label>
            """)
        let s = try #require(doc.sources.first)
        #expect(s.type == "forward")
        #expect(s.id == "in_fwd")
        #expect(s.label == "@OUT")
        #expect(s.logLevel == "debug")
        let m = try #require(doc.label("@OUT")?.child(named: "match"))
        #expect(m.type == "stdout")  // v0.12 `type` fallback
        #expect(m.logLevel == "warn")
    }

    @Test func valueIsRestOfLineTrimmed() throws {
        #expect(try value("k    a b   c   ") == "a b   c")
        #expect(try value("k\tx") == "x")
    }

    @Test func bareKeyIsEmptyValue() throws {
        let doc = try parse("<s>\n  standby\n  other 1\n  last\n</s>")
        let s = try #require(doc.root.children.first)
        #expect(s["standby"] == "")
        #expect(s["other"] == "1")
        #expect(s["last"] == "")
        #expect(try parse("flag").root["flag"] == "")
    }

    @Test func commentRules() throws {
        // `#` after whitespace starts a comment; anywhere else it is part of the value.
        #expect(try value("k foo #bar") == "foo")
        #expect(try value("k foo\t#bar") == "foo")
        #expect(try value("k foo#bar") == "foo#bar")
        #expect(try value("k a#b #c") == "a#b")
        // Fluentd quirk: a value that *starts* with # is a value, not a comment.
        #expect(try value("k #foo") == "#foo")
        #expect(try value("k \"#foo\" # comment") == "#foo")
        let doc = try parse("<s>\n  # full-line comment\n    #indented comment\n  k v # trailing\n</s> # after close\n")
        #expect(doc.root.children.first?.params.map(\.name) == ["k"])
    }

    @Test func valueStartingWithHashWarns() throws {
        let doc = try parse("<s>\n  flag # looks like a comment\n</s>")
        #expect(doc.root.children.first?["flag"] == "# looks like a comment")
        #expect(doc.warnings.contains { $0.message.contains("starts with '#'") && $0.location.line == 2 })
    }

    @Test func doubleQuotedEscapes() throws {
        #expect(try value(#"k "text""#) == "text")
        #expect(try value(#"k """#) == "")
        #expect(try value(#"k "a\"b""#) == "a\"b")
        #expect(try value(#"k "\t\n\r\f\b\0""#) == "\t\n\r\u{0C}\u{08}\0")
        #expect(try value(#"k "\\""#) == "\\")
        #expect(try value(##"k "\[\$\.\#{x}""##) == "[$.#{x}")
        #expect(try value(#"k "  spaced  ""#) == "  spaced  ")
        #expect(try value(#"k "grüße 日本""#) == "grüße 日本")
    }

    @Test func doubleQuotedUnknownLetterEscapeIsError() throws {
        let e = try #require(parseError("<s>\n  k \"\\z\"\n</s>"))
        #expect(e.line == 2)
        #expect(e.message.contains("escape character 'z'"))
        #expect(parseError(#"k "\1""#) != nil)
    }

    @Test func doubleQuotedMultiline() throws {
        let doc = try parse("<s>\n  k \"line1\nline2\"\n  j \"joined \\\nhere\"\n  after 1\n</s>")
        let s = try #require(doc.root.children.first)
        #expect(s["k"] == "line1\nline2")
        #expect(s["j"] == "joined here")
        #expect(s.param("after")?.location.line == 6)
    }

    @Test func singleQuotedIsLiteral() throws {
        #expect(try value(#"k 'text'"#) == "text")
        #expect(try value(#"k 'it\'s'"#) == "it's")
        #expect(try value(#"k '\\'"#) == "\\")
        #expect(try value(#"k '\t\n'"#) == #"\t\n"#)
        #expect(try value(##"k '#{ENV["X"]}'"##) == ##"#{ENV["X"]}"##)
        #expect(try value(#"k '\['"#) == #"\["#)
    }

    @Test func unquotedKeepsBackslashes() throws {
        #expect(try value(#"k \t"#) == #"\t"#)
        #expect(try value(#"k \\["#) == #"\\["#)
        #expect(try value(##"k #{x}"##) == ##"#{x}"##)
        #expect(try value(#"k \[(?<time>[^\]]*)\] (?<m>.*)"#) == #"\[(?<time>[^\]]*)\] (?<m>.*)"#)
    }

    @Test func quotedKeysAndArguments() throws {
        let doc = try parse("<match \"a b.**\">\n  \"my key\" v\n</match>\n<s 'x'>\n</s>")
        #expect(doc.matches.first?.argument == "a b.**")
        #expect(doc.matches.first?["my key"] == "v")
        #expect(doc.root.children.last?.argument == "x")
    }

    @Test func sectionLineMayHaveComment() throws {
        let doc = try parse("<source> # starts here\n  k v\n</source>   # ends here\n")
        #expect(doc.sources.first?["k"] == "v")
        #expect(doc.sources.first?.argument == "")
    }

    @Test func jsonArraysAndHashesSpanLines() throws {
        let doc = try parse(
            """
            <s>
              arr [
                "a",   # comment
                "b", // js comment
                /* block */ "c#d"
              ]
              obj {
                "x": 1,
                "y": {"z": [true, null, 2.5]}
              }
              after ok
            </s>
            """)
        let s = try #require(doc.root.children.first)
        #expect(s["arr"] == #"["a","b","c#d"]"#)
        #expect(s["obj"] == #"{"x":1,"y":{"z":[true,null,2.5]}}"#)
        #expect(s.param("after")?.location.line == 11)
    }

    @Test func jsonCanContainEmbeddedCode() throws {
        #expect(try value(##"k ["a", "#{hostname}"]"##) == #"["a","node7.dc1.example.com"]"#)
        #expect(try value(##"k {"w": "w#{worker_id}"}"##) == ##"{"w":"w3"}"##)
    }

    @Test func repeatedKeyLastWinsWithWarning() throws {
        let doc = try parse("<s>\n  k 1\n  j x\n  k 2\n</s>")
        let s = try #require(doc.root.children.first)
        #expect(s["k"] == "2")
        #expect(s.params.map(\.name) == ["k", "j"])
        #expect(s.param("k")?.location.line == 4)
        #expect(doc.warnings.contains { $0.message.contains("set more than once") && $0.location.line == 4 })
    }

    @Test func atPrefixRules() throws {
        // Unknown @ params are errors at top level and in match/source/filter/system ...
        let e = try #require(parseError("<source>\n  @foo bar\n</source>"))
        #expect(e.line == 2)
        #expect(e.message.contains("reserved prefix"))
        #expect(parseError("@foo bar") != nil)
        // ... and warnings in nested sections.
        let doc = try parse("<match **>\n  <buffer>\n    @foo bar\n  </buffer>\n</match>")
        #expect(doc.matches.first?.child(named: "buffer")?["@foo"] == "bar")
        #expect(doc.warnings.contains { $0.location.line == 3 })
    }

    @Test func crlfAndBOM() throws {
        let doc = try parse("\u{FEFF}<source>\r\n  port 1\r\n  flag\r\n</source>\r\n<match x>\r\n</match>")
        #expect(doc.sources.first?["port"] == "1")
        #expect(doc.sources.first?["flag"] == "")
        #expect(doc.matches.first?.location.line == 5)
    }

    @Test func renderRoundTrips() throws {
        let text = """
            top 1
            <match a.**>
              k "v # x"
              e ""
              <server>
                host h
              </server>
            </match>
            """
        let doc = try parse(text)
        let again = try parse(doc.description)
        #expect(again.description == doc.description)
        #expect(again.matches.first?["k"] == "v # x")
        #expect(again.matches.first?["e"] == "")
        #expect(again.matches.first?.child(named: "server")?["host"] == "h")
    }
}

@Suite struct ConfigParserErrorTests {
    @Test func unterminatedSectionNamesOpeningLine() throws {
        let e = try #require(parseError("<system>\n</system>\n<match **>\n  @type stdout\n"))
        #expect(e.file == "test.conf")
        #expect(e.line == 3)
        #expect(e.message.contains("unterminated section <match **>"))
        #expect(e.message.contains("'</match>'"))
        #expect(e.description.hasPrefix("test.conf:3: "))
    }

    @Test func strayClosingTag() throws {
        let e = try #require(parseError("<a>\n</a>\n</b>\n"))
        #expect(e.line == 3)
        #expect(e.message.contains("'</b>'"))
        #expect(e.message.contains("no section is open"))
    }

    @Test func mismatchedClosingTag() throws {
        let e = try #require(parseError("<source>\n  k v\n</match>\n"))
        #expect(e.line == 3)
        #expect(e.message.contains("expected '</source>'"))
        #expect(e.message.contains("test.conf:1"))
    }

    @Test func unterminatedQuotes() throws {
        let dq = try #require(parseError("<s>\n  a 1\n  k \"never closed\n  b 2\n</s>\n"))
        #expect(dq.line == 3)
        #expect(dq.message.contains("unterminated double-quoted string"))
        let sq = try #require(parseError("<s>\n  k 'open\n</s>\n"))
        #expect(sq.line == 2)
        #expect(sq.message.contains("unterminated single-quoted string"))
    }

    @Test func textAfterQuotedValue() throws {
        let e = try #require(parseError("<s>\n  k \"a\" b\n</s>"))
        #expect(e.line == 2)
        #expect(e.message.contains("end of the line"))
    }

    @Test func textAfterTags() throws {
        #expect(parseError("<s> k v\n</s>")?.line == 1)
        #expect(parseError("<s>\n</s> junk")?.line == 2)
        #expect(parseError("<s\n>\n</s>") == nil)  // spacing before '>' may cross lines, as in Fluentd
        #expect(parseError("<s\nk v\n</s>")?.message.contains("expected '>'") == true)
        #expect(parseError("<>\n</>")?.message.contains("section name") == true)
    }

    @Test func badJSON() throws {
        let trailing = try #require(parseError("<s>\n  k [1, 2,]\n</s>"))
        #expect(trailing.line == 2)
        #expect(trailing.message.contains("invalid JSON array"))
        let open = try #require(parseError("<s>\n  k {\"a\": 1\n</s>\n"))
        #expect(open.line == 2)
        #expect(open.message.contains("unterminated JSON hash"))
        #expect(parseError("k [1}")?.message.contains("mismatched") == true)
        #expect(parseError("k [1] x") != nil)
    }

    @Test func embeddedCodeErrorsCarryLine() throws {
        let e = try #require(parseError("<s>\n\n  k \"#{`rm -rf /`}\"\n</s>"))
        #expect(e.line == 3)
        #expect(e.message.contains("unsupported embedded Ruby code"))
        let unterminated = try #require(parseError("k \"#{ENV['X'\"\n"))
        #expect(unterminated.message.contains("embedded Ruby") || unterminated.message.contains("unterminated"))
    }

    @Test func embeddedCodeCanBeDisabled() throws {
        var o = testOptions
        o.allowEmbeddedCode = false
        #expect(parseError("k \"#{hostname}\"", options: o)?.message.contains("not allowed") == true)
        #expect(try parse("k '#{hostname}'", options: o).root["k"] == "#{hostname}")
    }

    @Test func errorDescriptionFormat() {
        let e = ConfigError(file: "a.conf", line: 7, message: "boom")
        #expect(e.description == "a.conf:7: boom")
        #expect(ConfigError("x", at: nil).description == "ConfigError: x")
        #expect(e.location == ConfigLocation(file: "a.conf", line: 7))
    }
}
