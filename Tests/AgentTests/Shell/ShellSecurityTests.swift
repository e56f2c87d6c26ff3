import Agent
import ForwardLabTestSupport
import ForwardProtocol
import ForwardServer
import Foundation
import NIOCore
import NIOSSL
import Simulator
import Testing

/// `<security>` handshake (docs/forward-protocol.md, "Handshake") and the TLS client ("Client TLS") against the fake server.
@Suite("ShellSecurity", .serialized)
struct ShellSecurityTests {
    let group = ShellTestSupport.group

    private func secure(_ port: Int, key: String = "secret", hostname: String = "client.example") -> AgentRuntimeSettings {
        var s = ShellTestSupport.settings(ports: [port])
        s.security = ClientSecuritySettings(selfHostname: hostname, sharedKey: key)
        return s
    }

    @Test("shared key handshake: HELO → PING (digest verified by the server) → PONG, then data")
    func handshakeSuccess() async throws {
        let server = try await FakeForwardServer.start(group: group, options: .init(security: .init()))
        let agent = try await ForwardingAgent.start(configuration: secure(server.port), eventLoopGroup: group)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 5)
        #expect(await pollUntil(seconds: 5) { server.requests.count == 1 })
        #expect(server.state.withLockedValue { $0.pings } == 1)
        await agent.stop(flush: nil)
        await server.stop()
    }

    @Test("Shared key mismatch with verify_connection_at_startup: start fails with 'failed to establish connection'")
    func sharedKeyMismatch() async throws {
        let server = try await FakeForwardServer.start(group: group, options: .init(security: .init()))
        var s = secure(server.port, key: "wrong")
        s.forwarder.verifyConnectionAtStartup = true
        let logs = ShellLogCapture()
        await #expect(throws: AgentStartError.self) {
            _ = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group, logger: logs.logger)
        }
        #expect(logs.contains("forward's connection setting error: failed to establish connection with node"))
        #expect(logs.contains("shared_key mismatch"))
        await server.stop()
    }

    @Test("A PONG carrying the client's own hostname is rejected; the node is disabled without rebalance")
    func sameHostname() async throws {
        let server = try await FakeForwardServer.start(group: group, options: .init(security: .init(hostname: "client.example")))
        let logs = ShellLogCapture()
        let events = EventRecorder()
        var s = secure(server.port)
        s.forwarder.heartbeatType = .transport  // with heartbeat_type none, disable! has no effect (docs/forward-protocol.md, "Heartbeat type none")
        s.forwarder.heartbeatInterval = 30
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group, logger: logs.logger,
                                                    eventSink: { events.append($0) })
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 0.5)
        #expect(await pollUntil(seconds: 5) { logs.contains("same hostname between input and output: invalid configuration") })
        #expect(events.contains { $0.event == .disabled && $0.cause == "handshake_failed" })
        #expect(server.requests.isEmpty)
        await agent.stop(flush: false)
        await server.stop()
    }

    @Test("TLS 1.2 with a CA file and hostname verification via the server name; wrong CA fails")
    func tls() async throws {
        let dir = NSTemporaryDirectory() + "fwdlab-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ca = try TestCertificateAuthority()
        let leaf = try ca.issue(commonName: "localhost")
        let caPath = dir + "/ca.pem"
        try ca.root.certificatePEM().write(toFile: caPath, atomically: true, encoding: .utf8)
        var serverTLS = TLSConfiguration.makeServerConfiguration(certificateChain: try leaf.nioCertificateChain().map { .certificate($0) },
                                                                 privateKey: .privateKey(try leaf.nioPrivateKey()))
        serverTLS.minimumTLSVersion = .tlsv12
        serverTLS.maximumTLSVersion = .tlsv12
        let server = try await FakeForwardServer.start(group: group, options: .init(tls: try NIOSSLContext(configuration: serverTLS)))
        var s = ShellTestSupport.settings(ports: [server.port])
        s.nodes[0].name = "localhost"
        var t = TLSClientConfig()
        t.caCertPaths = [caPath]
        s.tls = t
        s.forwarder.verifyConnectionAtStartup = true
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 5)
        #expect(await pollUntil(seconds: 5) { server.requests.count == 1 })
        await agent.stop(flush: nil)

        // A client that trusts another CA cannot connect.
        let other = try TestCertificateAuthority(commonName: "Other CA")
        let otherPath = dir + "/other.pem"
        try other.root.certificatePEM().write(toFile: otherPath, atomically: true, encoding: .utf8)
        s.tls?.caCertPaths = [otherPath]
        await #expect(throws: AgentStartError.self) {
            _ = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        }
        await server.stop()
    }
}
