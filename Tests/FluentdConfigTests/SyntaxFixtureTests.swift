import Foundation
import FluentdConfig
import Testing

@Suite struct SyntaxFixtureTests {
    func load(_ name: String) throws -> ConfigDocument {
        try ConfigDocument.load(path: syntaxFixturesDirectory + "/" + name, options: testOptions)
    }

    @Test func everyFixtureParses() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: syntaxFixturesDirectory).filter { $0.hasSuffix(".conf") }
        #expect(files.count >= 8)
        for f in files {
            #expect(throws: Never.self, "\(f)") { _ = try load(f) }
        }
    }

    @Test func outForwardFixture() throws {
        let doc = try load("forward_out_full.conf")
        let m = try #require(doc.matches.first { $0.type == "forward" })
        #expect(m.arguments == ["app.**", "system.**"])
        #expect(m.logLevel == "debug")
        var r = m.reader()
        #expect(try r.time("send_timeout", default: 60) == 60)
        #expect(try r.time("keepalive_timeout", default: 0) == 600)
        #expect(try r.bool("require_ack_response", default: false))
        #expect(try r.array("tls_cert_path", default: []) == ["/etc/fluent/ca1.pem", "/etc/fluent/ca2.pem"])
        let security = try #require(try r.section("security"))
        #expect(security["self_hostname"] == "node7.dc1.example.com")
        #expect(security["shared_key"] == "s3cr3t with spaces # not a comment")
        let servers = try r.sections("server", required: true)
        #expect(servers.map { $0["name"] } == ["primary", "backup"])
        #expect(servers[1]["password"] == "p@ss#word")
        #expect(servers[1]["standby"] == "")
        let buffer = try #require(try r.section("buffer"))
        #expect(buffer.commaSeparatedArguments == ["tag", "time"])
        var b = buffer.reader()
        #expect(try b.size("chunk_limit_size") == 8 << 20)
        #expect(try b.size("total_limit_size") == 512 << 20)
        #expect(try b.time("timekey") == 3600)
        #expect(try r.section("secondary")?.type == "secondary_file")
        #expect(doc.sources.first?["sample"] == #"{"message":"hello","level":"info"}"#)
    }

    @Test func inForwardFixture() throws {
        let doc = try load("forward_in_secure.conf")
        let s = try #require(doc.sources.first)
        #expect(s.label == "@MAIN")
        #expect(s.child(named: "transport")?.argument == "tls")
        #expect(s.child(named: "transport")?["private_key_passphrase"] == "pass\"phrase")
        let sec = try #require(s.child(named: "security"))
        #expect(sec.children(named: "user").map { $0["username"] } == ["alice", "bob"])
        #expect(sec.children(named: "user")[1]["password"] == "bob's password")
        var c0 = sec.children(named: "client")[0].reader()
        #expect(try c0.array("users") == ["alice"])
        var c1 = sec.children(named: "client")[1].reader()
        #expect(try c1.array("users") == ["alice", "bob"])
        var secReader = sec.reader()
        #expect(try secReader.bool("user_auth") == true)
        let received = doc.label("@MAIN")?.child(named: "filter")?.child(named: "record")?["received_by"]
        #expect(received == "node7")
        #expect(doc.label("@MAIN")?.child(named: "match")?.argument == "{app,audit}.**")
    }

    @Test func literalsFixture() throws {
        let l = try #require(try load("literals.conf").root.child(named: "literals"))
        #expect(l["plain"] == "some text with  inner spaces")
        #expect(l["hash_inside"] == "value#not_a_comment")
        #expect(l["hash_first"] == "#starts_with_hash")
        #expect(l["bare_flag"] == "")
        #expect(l["sq_escapes"] == #"it's a \ backslash and \n stays"#)
        #expect(l["sq_hash"] == "#{not evaluated}")
        #expect(l["dq_escapes"] == "tab\tnewline\nquote\"backslash\\")
        #expect(l["dq_symbols"] == "[$#{literal}")
        #expect(l["dq_multiline"] == "first line\nsecond line")
        #expect(l["dq_joined"] == "joined line")
        #expect(l["unicode"] == "grüße 日本語")
        #expect(l["quoted key"] == "quoted key value")
    }

    @Test func jsonFixture() throws {
        let j = try #require(try load("json_values.conf").root.child(named: "json"))
        var r = j.reader()
        #expect(try r.array("servers") == ["10.0.0.1:24224", "10.0.0.2:24224"])
        let labels = try r.value("labels", as: .json)
        guard case .object(let members) = labels else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["env", "team", "hash_in_string", "nested"])
        #expect(try r.hash("labels")["hash_in_string"] == "a # b")
        #expect(try r.array("inline_array") == ["a", "b"])
        #expect(try r.array("comma_list") == ["a", "b", "c"])
        #expect(try r.hash("kv_list") == ["k1": "v1", "k2": "v2"])
        try r.rejectUnknown()
    }

    @Test func embeddedRubyFixture() throws {
        let doc = try load("embedded_ruby.conf")
        #expect(doc.sources.first?["port"] == "25000")
        #expect(doc.sources.first?["bind"] == "127.0.0.1")
        let m = try #require(doc.matches.first)
        #expect(m.child(named: "security")?["shared_key"] == "k3y")
        #expect(m.child(named: "server")?["host"] == "192.168.1.75")
        #expect(m.child(named: "buffer")?["path"] == "/srv/fwdlab/buffer/worker3")
    }

    @Test func includeFixture() throws {
        let doc = try load("include_main.conf")
        #expect(doc.sources.map { $0.type } == ["forward", "sample"])
        let m = try #require(doc.matches.first)
        #expect(m["heartbeat_type"] == "none")
        #expect(m.children(named: "server").map { $0["port"] } == ["24224", "24225"])
        #expect(doc.files.count == 4)
    }

    @Test func labelsWorkersAndLegacyFixtures() throws {
        let doc = try load("labels_and_workers.conf")
        #expect(doc.root.children(named: "worker").map(\.argument) == ["0", "1-1"])
        let store = doc.label("@FORWARD")?.child(named: "match")?.children(named: "store")
        #expect(store?.first?.child(named: "server")?["port"] == "24230")
        #expect(store?.last?.argument == "ignore_error")
        let legacy = try load("legacy_v0_12.conf")
        #expect(legacy.matches.first?.type == "forward")
        #expect(legacy.sources.first?.type == "forward")
        #expect(legacy.warnings.contains { $0.message.contains("'include' is deprecated") })
    }
}
