import Agent
import FluentdConfig
import Foundation
import Testing

/// `<service_discovery>` parsing: the three types, their defaults, and the configure-time failures Fluentd 1.16.9
/// refuses (measured with `fluentd --dry-run`; docs/agent-parameters.md, "<service_discovery>").
@Suite struct ServiceDiscoveryConfigTests {
    private func match(_ sd: String, servers: String = "") -> String {
        "<match test.**>\n  @type forward\n\(servers)  <service_discovery>\n\(sd)\n  </service_discovery>\n</match>\n"
    }

    private func tempFile(_ name: String, _ text: String) throws -> String {
        let dir = NSTemporaryDirectory() + "fwdlab-sd-\(UInt64.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func staticServicesFollowTheServersWithServerDefaults() throws {
        let f = try forwardOutput(match("    @type static\n    <service>\n      host 10.0.0.2\n    </service>\n    <service>\n      host 10.0.0.3\n      port 24300\n      weight 10\n      standby true\n    </service>",
                                        servers: "  <server>\n    host 10.0.0.1\n  </server>\n"))
        #expect(f.servers.map(\.node.host) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        #expect(f.servers[1].node.port == 24224 && f.servers[1].node.weight == 60 && !f.servers[1].node.standby)
        #expect(f.servers[2].node.port == 24300 && f.servers[2].node.weight == 10 && f.servers[2].node.standby)
        #expect(f.servers.allSatisfy { $0.discovered == nil })
    }

    @Test func identicalServersAreOneNodeAsInFluentdsServicesHash() throws {
        let same = "  <server>\n    host 10.0.0.1\n  </server>\n  <server>\n    host 10.0.0.1\n  </server>\n"
        let f = try forwardOutput("<match test.**>\n  @type forward\n\(same)</match>\n")
        #expect(f.servers.count == 1)
        let other = "  <server>\n    host 10.0.0.1\n  </server>\n  <server>\n    host 10.0.0.1\n    weight 30\n  </server>\n"
        #expect(try forwardOutput("<match test.**>\n  @type forward\n\(other)</match>\n").servers.count == 2)
        // A file listing a server twice: one node too.
        let yaml = try tempFile("dup.yaml", "- {host: 127.0.0.1, port: 1}\n- {host: 127.0.0.1, port: 1}\n")
        #expect(try forwardOutput(match("    @type file\n    path \(yaml)")).servers.count == 1)
    }

    @Test func fileListYAMLAndJSON() throws {
        let yaml = try tempFile("sd.yaml", "- host: 127.0.0.1\n  port: 24301\n  name: r1\n- host: 127.0.0.1\n  port: 24302\n  weight: 20\n  standby: true\n")
        let f = try forwardOutput(match("    @type file\n    path \(yaml)"))
        #expect(f.servers.map(\.node) == [ForwarderNodeConfig(name: "r1", host: "127.0.0.1", port: 24301, weight: 60),
                                         ForwarderNodeConfig(host: "127.0.0.1", port: 24302, weight: 20, standby: true)])
        #expect(f.servers[0].discovered?.standby == nil && f.servers[1].discovered?.standby == true)
        let json = try tempFile("sd.json", #"[{"host": "127.0.0.1", "port": 24303, "shared_key": "k"}]"#)
        let j = try forwardOutput(match("    @type file\n    path \(json)"))
        #expect(j.servers.map(\.node.port) == [24303] && j.servers[0].sharedKey == "k")
        // Any other extension is read as YAML.
        let other = try tempFile("servers.txt", "- {host: 127.0.0.1, port: 24304}\n")
        #expect(try forwardOutput(match("    @type file\n    path \(other)")).servers.map(\.node.port) == [24304])
    }

    @Test func fileFailuresAtConfigure() throws {
        expectConfigError(match("    @type file\n    path /nonexistent/sd.yaml"), line: 5, "sd_file: path=/nonexistent/sd.yaml not found")
        let noPort = try tempFile("a.yaml", "- host: 127.0.0.1\n")
        expectConfigError(match("    @type file\n    path \(noPort)"), line: 5, "key not found: \"port\". Service must have `host` and `port`")
        let noHost = try tempFile("b.yaml", "- port: 1\n")
        expectConfigError(match("    @type file\n    path \(noHost)"), line: 5, "key not found: \"host\"")
        let broken = try tempFile("c.yaml", "- host: 127.0.0.1\n  port: [x\n")
        expectConfigError(match("    @type file\n    path \(broken)"), line: 5, "sd_file: path=\(broken): (<unknown>)")
        let empty = try tempFile("d.yaml", "")
        expectConfigError(match("    @type file\n    path \(empty)"), line: 5, "undefined method `map' for nil:NilClass")
        let hash = try tempFile("e.json", #"{"host": "127.0.0.1"}"#)
        expectConfigError(match("    @type file\n    path \(hash)"), line: 5, "no implicit conversion of String into Integer")
        // An empty list is read, and then there is no node at all.
        let none = try tempFile("f.yaml", "[]\n")
        expectConfigError(match("    @type file\n    path \(none)"), line: 1,
                          "forward output plugin requires at least one node is required. Add <server> or <service_discovery>")
    }

    @Test func srvParametersAndDefaults() throws {
        let f = try forwardOutput(match("    @type srv\n    service fluentd\n    hostname example.test\n    dns_server_host 127.0.0.1:5353"))
        guard case .srv(let s)? = f.serviceDiscovery.first else { Issue.record("no srv discovery"); return }
        #expect(s.target == "_fluentd._tcp.example.test")
        #expect(s.interval == 60 && s.dnsLookup && s.proto == "tcp" && s.username == "" && s.password == "" && s.sharedKey == nil)
        #expect(s.dnsServerHost == "127.0.0.1:5353")
        // Its nodes come from the first query when the output starts, so no server is not an error here.
        #expect(f.servers.isEmpty)
        expectConfigError(match("    @type srv\n    hostname example.test"), line: 3, "'service' parameter is required")
        expectConfigError(match("    @type srv\n    service fluentd"), line: 3, "'hostname' parameter is required")
        expectConfigError(match("    path /x"), line: 3, "'@type' parameter is required, in section service_discovery")
        expectConfigError(match("    @type static\n    <service>\n      port 1\n    </service>"), line: 5, "'host' parameter is required")
        expectConfigError(match("    @type static"), line: 1, "forward output plugin requires at least one node is required")
    }
}
