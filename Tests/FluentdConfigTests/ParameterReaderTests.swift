import FluentdConfig
import Testing

enum HeartbeatType: String, CaseIterable, Sendable { case transport, tcp, udp, none }

@Suite struct ParameterReaderTests {
    let doc: ConfigDocument
    init() throws {
        doc = try parse(
            """
            <match app.**>
              @type forward
              @id out
              send_timeout 60s
              heartbeat_type udp
              heartbeat_interval 0.5s
              recover_wait 10
              phi_threshold 16.5
              require_ack_response
              keepalive no
              chunk_limit_size 8m
              tls_cert_path ["/a.pem", "/b.pem"]
              labels env:prod,team:logs
              <server>
                host 10.0.0.1
                port 24224
                prot 1
                standby
              </server>
              <server>
                port 24225
              </server>
              <security>
                self_hostname me
              </security>
              <buffr>
              </buffr>
            </match>
            """)
    }

    var match: ConfigElement { doc.matches[0] }

    @Test func typedReadsAndDefaults() throws {
        var r = match.reader()
        #expect(try r.time("send_timeout", default: 30) == 60)
        #expect(try r.enumeration("heartbeat_type", default: HeartbeatType.transport) == .udp)
        #expect(try r.time("heartbeat_interval", default: 1) == 5)  // the 0.5s quirk
        #expect(try r.integer("recover_wait", default: 5) == 10)
        #expect(try r.float("phi_threshold", default: 16) == 16.5)
        #expect(try r.bool("require_ack_response", default: false) == true)
        #expect(try r.bool("keepalive", default: true) == false)
        #expect(try r.size("chunk_limit_size", default: 1024) == 8 << 20)
        #expect(try r.array("tls_cert_path", default: []) == ["/a.pem", "/b.pem"])
        #expect(try r.hash("labels", default: [:]) == ["env": "prod", "team": "logs"])
        #expect(try r.integer("missing", default: 7) == 7)
        #expect(try r.optionalString("missing") == nil)
        #expect(try r.optionalTime("send_timeout") == 60)
        #expect(try r.enumeration("heartbeat_type", allowed: ["udp", "tcp"], default: "tcp") == "udp")
        #expect(try r.value("recover_wait", as: .array(of: .integer)) == [10])
        #expect(r.has("keepalive"))
        _ = try r.sections("server")
        _ = try r.section("security")
        r.ignoreSections("buffr")
        try r.rejectUnknown()
    }

    @Test func requiredParameterError() throws {
        let servers = match.children(named: "server")
        var r = servers[1].reader()
        #expect(try r.integer("port") == 24225)
        let e = try #require(throwsConfigError { _ = try r.string("host") })
        #expect(e.message == "'host' parameter is required (in <server> in <match app.**>)")
        #expect(e.line == servers[1].location.line)
        #expect(e.file == "test.conf")
    }

    @Test func invalidValueNamesParameterAndLine() throws {
        let d = try parse("<source>\n  @type forward\n  port abc\n</source>")
        var r = d.sources[0].reader()
        let e = try #require(throwsConfigError { _ = try r.integer("port", default: 24224) })
        #expect(e.line == 3)
        #expect(e.message.contains("'port'"))
        #expect(e.message.contains("'abc' is not a valid integer"))
        #expect(e.message.contains("<source>"))
    }

    @Test func rejectUnknownListsEverythingWithSuggestions() throws {
        var r = match.children(named: "server")[0].reader()
        _ = try r.string("host")
        _ = try r.integer("port", default: 24224)
        let e = try #require(throwsConfigError { try r.rejectUnknown() })
        #expect(e.line == 17)
        #expect(e.message.contains("unknown parameter 'prot'"))
        #expect(e.message.contains("did you mean 'port'?"))
        #expect(e.message.contains("unknown parameter 'standby'"))
        #expect(e.message.contains("test.conf:18"))
        #expect(e.message.contains("in <server> in <match app.**>"))
    }

    @Test func rejectUnknownSections() throws {
        var r = match.reader()
        r.ignore("send_timeout", "heartbeat_type", "heartbeat_interval", "recover_wait", "phi_threshold",
                 "require_ack_response", "keepalive", "chunk_limit_size", "tls_cert_path", "labels")
        _ = try r.sections("server")
        _ = try r.section("security")
        _ = try r.section("buffer")
        let e = try #require(throwsConfigError { try r.rejectUnknown() })
        #expect(e.message.contains("unknown section <buffr>"))
        #expect(e.message.contains("did you mean <buffer>?"))
        #expect(e.line == 26)
        try r.rejectUnknown(sections: false)
        #expect(r.unusedSections.map(\.name) == ["buffr"])
    }

    @Test func reservedParametersAreNotUnknown() throws {
        let r = try parse("<source>\n  @type forward\n  @id x\n  @label @L\n  @log_level info\n</source>").sources[0].reader()
        try r.rejectUnknown()
        #expect(r.unusedParams(includingReserved: true).count == 4)
    }

    @Test func aliasesAndDeprecatedNames() throws {
        let d = try parse("<s>\n  old_name 5\n  other 1\n  other_alias 2\n</s>")
        var r = d.root.children[0].reader()
        #expect(try r.integer("new_name", default: 0, deprecatedNames: ["old_name"]) == 5)
        #expect(r.warnings.contains { $0.message.contains("'old_name' is deprecated") && $0.message.contains("use 'new_name'") && $0.location.line == 2 })
        #expect(try r.integer("other", aliases: ["other_alias"]) == 1)
        #expect(r.warnings.contains { $0.message.contains("both 'other' and 'other_alias'") })
        try r.rejectUnknown()  // the alias counts as read
    }

    @Test func deprecatedAndObsoletedParameters() throws {
        let d = try parse("<s>\n  buffer_type file\n  num_threads 2\n</s>")
        var r = d.root.children[0].reader()
        r.deprecated("buffer_type", message: "use <buffer> section")
        #expect(r.warnings.first?.message == "'buffer_type' parameter is deprecated: use <buffer> section")
        let e = try #require(throwsConfigError { try r.obsoleted("num_threads", message: "use flush_thread_count") })
        #expect(e.line == 3)
        #expect(e.message.contains("already removed"))
        try r.rejectUnknown()
    }

    @Test func sectionCardinality() throws {
        var r = match.reader()
        #expect(try r.sections("server", required: true).count == 2)
        #expect(throwsConfigError { _ = try r.section("server") }?.message.contains("cannot be written twice") == true)
        let missing = try #require(throwsConfigError { _ = try r.sections("nothing", required: true) })
        #expect(missing.message == "'<nothing>' sections are required (in <match app.**>)")
        #expect(try r.section("transport") == nil)
    }

    @Test func rootReaderSaysTopLevel() throws {
        var r = try parse("x 1").root.reader()
        let e = try #require(throwsConfigError { try r.rejectUnknown() })
        #expect(e.message.contains("at top level"))
        #expect(try r.integer("x") == 1)
        try r.rejectUnknown()
    }

    @Test func swiftEnumErrorsListOptions() throws {
        var r = try parse("<s>\n  heartbeat_type carrier_pigeon\n</s>").root.children[0].reader()
        let e = try #require(throwsConfigError { _ = try r.enumeration("heartbeat_type", as: HeartbeatType.self) })
        #expect(e.message.contains("valid options are transport,tcp,udp,none"))
        #expect(e.line == 2)
    }

    @Test func absorbWarnings() throws {
        let d = try parse("<s>\n  <c>\n    old 1\n  </c>\n</s>")
        var parent = d.root.children[0].reader()
        var child = try #require(try parent.section("c")).reader()
        _ = try child.integer("new", default: 0, deprecatedNames: ["old"])
        parent.absorbWarnings(from: child)
        #expect(parent.warnings.count == 1)
    }
}

/// Runs `body` and returns the ConfigError it throws (records an issue if it does not throw one).
func throwsConfigError(_ body: () throws -> Void) -> ConfigError? {
    do {
        try body()
        Issue.record("expected a ConfigError")
        return nil
    } catch let e as ConfigError {
        return e
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
