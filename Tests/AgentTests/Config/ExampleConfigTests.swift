import Agent
import FluentdConfig
import Testing

@Suite("Example configurations in fixtures/configs")
struct ExampleConfigTests {
    static let files = [
        "relay-two-receivers.conf", "sample-to-forward.conf", "udp-heartbeat.conf", "tls.conf", "shared-key.conf",
        "file-buffer-secondary.conf", "v012-names.conf", "monitoring.conf", "pipeline.conf",
    ]

    static func load(_ name: String, env: [String: String] = [:]) throws -> AgentConfiguration {
        try AgentConfiguration.load(path: "\(repositoryRoot)/fixtures/configs/\(name)", options: ConfigParseOptions(environment: env))
    }

    @Test(arguments: files)
    func loadsWithDefaults(_ name: String) throws {
        let c = try Self.load(name)
        #expect(!c.forwardOutputs.isEmpty)
        #expect(!c.sources.isEmpty)
        #expect(c.path?.hasSuffix(name) == true)
    }

    @Test func placeholdersComeFromTheEnvironment() throws {
        let c = try Self.load("relay-two-receivers.conf", env: ["IN_PORT": "30000", "R1_PORT": "30001", "R2_PORT": "30002"])
        guard case .forward(let input) = c.sources[0] else { Issue.record("expected forward input"); return }
        #expect(input.port == 30000 && input.bind == "127.0.0.1")
        let f = c.forwardOutputs[0]
        #expect(f.servers.map(\.node.port) == [30001, 30002])
        #expect(f.servers.map(\.node.host) == ["127.0.0.1", "127.0.0.1"])
        #expect(f.settings.requireAckResponse)
        #expect(f.settings.ackResponseTimeout == 30)
    }

    @Test func sampleToForward() throws {
        let c = try Self.load("sample-to-forward.conf", env: ["SAMPLE_RATE": "50"])
        guard case .sample(let s) = c.sources[0] else { Issue.record("expected sample input"); return }
        #expect(s.rate == 50 && s.tag == "app.sample" && s.autoIncrementKey == "seq" && s.records.count == 2)
        let nodes = c.forwardOutputs[0].nodes
        #expect(nodes.map(\.weight) == [60, 20, 60])
        #expect(nodes.map(\.standby) == [false, false, true])
        #expect(c.route(tag: "app.sample") != nil)
        #expect(c.warnings.isEmpty)
    }

    @Test func udpHeartbeat() throws {
        #expect(try Self.load("udp-heartbeat.conf").forwardOutputs[0].settings.heartbeatType == .udp)
    }

    @Test func tlsExample() throws {
        let f = try Self.load("tls.conf").forwardOutputs[0]
        #expect(f.transport == .tls)
        #expect(f.tls.insecureMode && !f.tls.verifyHostname && f.tls.allowSelfSignedCert)
        #expect(f.tls.caCertPaths.isEmpty)
        let strict = try Self.load("tls.conf", env: ["TLS_INSECURE": "false"]).forwardOutputs[0]
        #expect(!strict.tls.insecureMode && strict.tls.verifyHostname)
    }

    @Test func sharedKeyExample() throws {
        let f = try Self.load("shared-key.conf").forwardOutputs[0]
        #expect(f.security?.selfHostname == "client.forwardlab.local")
        #expect(f.sharedKey(for: f.servers[0]) == "forwardlab-secret")
        #expect(f.sharedKey(for: f.servers[1]) == "another-secret")
        #expect(f.servers[1].username == "user1" && f.servers[1].password == "pass1")
    }

    @Test func fileBufferSecondary() throws {
        let f = try Self.load("file-buffer-secondary.conf", env: ["BUFFER_DIR": "/tmp/b", "SECONDARY_DIR": "/tmp/s"]).forwardOutputs[0]
        #expect(f.buffer.type == .file && f.buffer.path == "/tmp/b")
        #expect(f.buffer.chunkLimitSize == 1 << 20 && f.buffer.totalLimitSize == 64 << 20)
        #expect(f.buffer.retryMaxInterval == 30 && f.buffer.retryTimeout == 600 && f.buffer.retrySecondaryThreshold == 0.5)
        #expect(f.retrySettings.hasSecondary)
        guard case .file(let out)? = f.secondary?.output else { Issue.record("expected a file secondary"); return }
        #expect(out.kind == .secondaryFile && out.directory == "/tmp/s" && out.path == "/tmp/s/failed.${tag}.${chunk_id}")
        #expect(out.format == .msgpack && !out.append && out.compress == .text)
    }

    @Test func v012Example() throws {
        let c = try Self.load("v012-names.conf")
        let b = c.forwardOutputs[0].buffer
        #expect(b.type == .file && b.flushThreadCount == 2 && b.flushInterval == 5 && b.retryMaxTimes == 5)
        #expect(b.chunkLimitSize == 4 << 20 && b.queueLimitLength == 32 && b.overflowAction == .throwException)
        #expect(c.forwardOutputs[0].settings.heartbeatType == .transport)
        #expect(c.warnings.filter { $0.message.contains("v0.12 name") }.count == 12)
    }
}
