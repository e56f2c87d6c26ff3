import Agent
import FluentdConfig
import ForwardProtocol
import Testing

@Suite("record_transformer filter")
struct RecordTransformerTests {
    func transformer(_ body: String) throws -> RecordTransformer {
        let c = try parseConfig("<filter **>\n  @type record_transformer\n\(body)\n</filter>\n")
        guard case .recordTransformer(var t) = try #require(c.filters.first).kind else { throw ConfigError("not record_transformer", at: nil) }
        t.hostname = "host1"
        return t
    }

    func rec(_ pairs: (String, MessagePackValue)...) -> [MessagePackPair] { pairs.map { MessagePackPair(.str($0.0), $0.1) } }
    let time = EventTime(seconds: 1_765_000_000)

    /// The record Fluentd 1.16.9 printed for this filter and input (TZ=UTC; fixtures in docs/pipeline.md, "Checked
    /// against Fluentd"): fields appended in order, ${record["nope"]} nil, remove_keys applied last.
    @Test func placeholdersAsFluentdPrintsThem() throws {
        let t = try transformer("""
              <record>
                host_tag ${tag}
                p0 ${tag_parts[0]}
                p1 ${tag_parts[-1]}
                pre ${tag_prefix[1]}
                suf ${tag_suffix[1]}
                t ${time}
                lv x-${record["level"]}-y
                missing ${record["nope"]}
                lit plain
              </record>
              remove_keys drop
            """)
        let o = t.transform(time: time, record: rec(("level", "info"), ("msg", "hello"), ("drop", 1), ("n", .double(1.5))),
                            tag: .init("app.web.x"))
        let json = RubyValueText.json(.map(o.record))
        // TZ-dependent ${time}: compare with the local rendering of the same instant.
        let t0 = EventTimeText.rubyTimeToS(time)
        #expect(json == #"{"level":"info","msg":"hello","n":1.5,"host_tag":"app.web.x","p0":"app","p1":"x","pre":"app.web","suf":"web.x","t":"\#(t0)","lv":"x-info-y","missing":null,"lit":"plain"}"#)
        #expect(o.unknownPlaceholders == [#"${record["nope"]}"#])
        #expect(o.error == nil)
    }

    @Test func singlePlaceholderKeepsTheTypeUnlessAutoTypecastIsOff() throws {
        let t = try transformer("  <record>\n    copy ${record[\"n\"]}\n    text n=${record[\"n\"]}\n  </record>")
        let o = t.transform(time: time, record: rec(("n", 5)), tag: .init("a"))
        #expect(o.record.last?.value == .str("n=5"))
        #expect(o.record[1].value == .int(5))
        let s = try transformer("  auto_typecast false\n  <record>\n    copy ${record[\"n\"]}\n  </record>")
        #expect(s.transform(time: time, record: rec(("n", 5)), tag: .init("a")).record.last?.value == .str("5"))
    }

    @Test func renewRecordKeepKeysAndRenewTimeKey() throws {
        let t = try transformer("  renew_record true\n  keep_keys a\n  renew_time_key ts\n  <record>\n    ts ${record[\"when\"]}\n  </record>")
        let o = t.transform(time: time, record: rec(("a", 1), ("b", 2), ("when", "1700000000.5")), tag: .init("x"))
        #expect(o.record == rec(("a", 1), ("ts", "1700000000.5")))
        #expect(o.time == EventTime(1_700_000_000.5))
        // A map has no to_f: the event becomes an error event, as emit_error_event in Fluentd.
        let bad = t.transform(time: time, record: rec(("when", .map([]))), tag: .init("x"))
        #expect(bad.error != nil)
    }

    @Test func jsonValuesAndUnderscorePlaceholders() throws {
        let t = try transformer("  <record>\n    arr [\"${tag}\", 1, true]\n    obj {\"k\": \"${tag_parts[1]}\"}\n    odd a__B__c\n  </record>")
        let o = t.transform(time: time, record: [], tag: .init("p.q"))
        #expect(o.record[0].value == .array([.str("p.q"), .int(1), .bool(true)]))
        #expect(o.record[1].value == .map([MessagePackPair(.str("k"), .str("q"))]))
        // __UPPER__ is a placeholder pattern with no value without Ruby: replaced by "" and warned about.
        #expect(o.record[2].value == .str("ac"))
        #expect(o.unknownPlaceholders == ["__B__"])
    }

    @Test func rubyIsAClearErrorNamingThePlugin() {
        expectConfigError("<filter **>\n  @type record_transformer\n  enable_ruby true\n</filter>", line: 3, "record_transformer with enable_ruby true is not supported")
        expectConfigError("<filter **>\n  @type record_transformer\n  enable_ruby true\n</filter>", line: 3, "--agent fluentd")
        expectConfigError("<filter **>\n  @type record_transformer\n  keep_keys a\n</filter>", line: 3, "`renew_record` must be true to use `keep_keys`")
    }
}
