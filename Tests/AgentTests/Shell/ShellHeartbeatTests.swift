import Agent
import ForwardProtocol
import Foundation
import NIOCore
import NIOPosix
import Testing
import ForwardLabTestSupport

/// Heartbeats over real sockets: docs/forward-protocol.md, "Transport heartbeat", "UDP heartbeat", and the agent's
/// rule under "Heartbeats" that a failing probe never stops or delays the others.
@Suite("ShellHeartbeat", .serialized)
struct ShellHeartbeatTests {
    let group = ShellTestSupport.group

    @Test("Transport heartbeat: one zero-byte connection per node per interval")
    func transportHeartbeat() async throws {
        let server = try await FakeForwardServer.start(group: group)
        let agent = try await ForwardingAgent.start(configuration: ShellTestSupport.settings(ports: [server.port], heartbeat: .transport),
                                                    eventLoopGroup: group)
        #expect(await pollUntil(seconds: 3) { server.connections >= 3 })
        let state = server.state.withLockedValue { $0 }
        #expect(await pollUntil(seconds: 2) { server.state.withLockedValue { $0.closedConnections.count } >= 3 })
        #expect(state.bytesPerConnection.values.allSatisfy { $0 == 0 })
        #expect(server.requests.isEmpty)
        await agent.stop(flush: nil)
        await server.stop()
    }

    @Test("quirk 7 (docs/quirks.md): with keepalive a cached idle socket counts as a heartbeat without I/O")
    func keepaliveFakesHeartbeat() async throws {
        let server = try await FakeForwardServer.start(group: group)
        var s = ShellTestSupport.settings(ports: [server.port], heartbeat: .transport)
        s.keepalive = true
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        #expect(await pollUntil(seconds: 3) { await agent.counters().heartbeatRounds >= 5 })
        #expect(server.connections == 1)
        await agent.stop(flush: nil)
        await server.stop()
    }

    @Test("UDP heartbeat: one 00 byte per node per tick; the matching reply keeps the node available")
    func udpBytes() async throws {
        let server = try await FakeForwardServer.start(group: group, options: .init(udp: true))
        let logs = ShellLogCapture()
        let agent = try await ForwardingAgent.start(configuration: ShellTestSupport.settings(ports: [server.port], heartbeat: .udp),
                                                    eventLoopGroup: group, logger: logs.logger)
        #expect(await pollUntil(seconds: 3) { server.state.withLockedValue { $0.udpDatagrams.count } >= 3 })
        #expect(server.state.withLockedValue { $0.udpDatagrams }.allSatisfy { $0 == [0x00] })
        #expect(!logs.contains("Unknown heartbeat response"))
        #expect(await agent.isNodeAvailable(0))
        await agent.stop(flush: nil)
        await server.stop()
    }

    @Test("UDP reply from another port does not count and logs 'Unknown heartbeat response received'")
    func udpReplyMatching() async throws {
        let server = try await FakeForwardServer.start(group: group, options: .init(udp: true, udpReplyFromOtherPort: true))
        let logs = ShellLogCapture()
        let agent = try await ForwardingAgent.start(configuration: ShellTestSupport.settings(ports: [server.port], heartbeat: .udp),
                                                    eventLoopGroup: group, logger: logs.logger)
        #expect(await pollUntil(seconds: 3) { logs.contains("Unknown heartbeat response received from 127.0.0.1:") })
        #expect(logs.contains("It may service out"))
        await agent.stop(flush: nil)
        await server.stop()
    }

    @Test("A refusing node and a hung handshake never delay or stop the healthy node's heartbeats")
    func deadNodeIsolation() async throws {
        let healthy = try await FakeForwardServer.start(group: group, options: .init(security: .init()))
        let hung = try await FakeForwardServer.start(group: group, options: .init(security: .init(silent: true)))
        // A port with nothing listening (refused): bind, read the port, close.
        let probe = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let refusedPort = probe.localAddress!.port!
        try await probe.close()
        var s = ShellTestSupport.settings(ports: [refusedPort, hung.port, healthy.port], heartbeat: .transport)
        s.security = ClientSecuritySettings(selfHostname: "client.example", sharedKey: "secret")
        s.forwarder.heartbeatInterval = 0.2
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        let start = Date()
        #expect(await pollUntil(seconds: 5) { healthy.state.withLockedValue { $0.pings } >= 8 })
        let elapsed = Date().timeIntervalSince(start)
        // 8 heartbeats at 0.2 s need ≈ 1.6 s; serial blocking on the hung node would need hard_timeout (60 s) each.
        #expect(elapsed < 4)
        #expect(await agent.counters().heartbeatRounds >= 8)
        #expect(await agent.isNodeAvailable(2))
        await agent.stop(flush: nil)
        await healthy.stop()
        await hung.stop()
    }
}
