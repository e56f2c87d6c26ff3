import Agent
import ForwardLabTestSupport
import ForwardProtocol
import ForwardServer
import Foundation
import NIOCore
import Simulator
import Testing

/// The agent's handshake against a receiver that sends its HELO (or PONG) in pieces (`helo_split`) or
/// a malformed HELO (`helo_malformed`): reassembly must work, garbage must not be accepted.
@Suite("ShellHeloSplit", .serialized)
struct ShellHeloSplitTests {
    let group = ShellTestSupport.group

    /// A simulator receiver with `<security>` and the given faults.
    private func receiver(_ faults: [FaultSpec]) async throws -> (ForwardReceiver, FaultEngine) {
        let engine = FaultEngine(receiver: "split", seed: 1)
        for f in faults { try engine.add(f) }
        var s = ReceiverSettings(name: "split")
        s.bind = "127.0.0.1"
        s.port = 0
        s.security = ReceiverSecurity(selfHostname: "recv.example", sharedKey: "secret")
        s.hooks = engine
        s.logger.logLevel = .critical
        return (try await ForwardReceiver.start(s, group: group), engine)
    }

    private func secure(_ port: Int) -> AgentRuntimeSettings {
        var s = ShellTestSupport.settings(ports: [port], ack: true)
        s.security = ClientSecuritySettings(selfHostname: "client.example", sharedKey: "secret")
        return s
    }

    @Test("HELO in 4 segments 50 ms apart, then PONG in 3: the agent reassembles both and its event is acked")
    func agentReassemblesSplitHandshake() async throws {
        let (receiver, engine) = try await receiver([
            FaultSpec(kind: "helo_split", name: "helo", params: ["segments": 4, "delay": "50ms"]),
            FaultSpec(kind: "helo_split", name: "pong", params: ["segments": 3, "delay": "50ms", "message": "pong"]),
        ])
        let agent = try await ForwardingAgent.start(configuration: secure(receiver.port), eventLoopGroup: group)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 5)
        #expect(await pollUntil(seconds: 5) { receiver.ledger.count == 1 })
        #expect(receiver.stats.snapshot().handshakesSucceeded == 1)
        let splits = engine.log.entries(since: 0, limit: 10).filter { $0.kind == "helo_split" }.map(\.fault)
        #expect(splits == ["helo", "pong"], "both handshake messages really were split")
        await agent.stop(flush: nil)
        await receiver.stop()
    }

    @Test("malformed HELO (not an array): the agent sends no PING and no event is accepted")
    func agentRejectsMalformedHelo() async throws {
        let (receiver, _) = try await receiver([FaultSpec(kind: "helo_malformed")])
        let logs = ShellLogCapture()
        let agent = try await ForwardingAgent.start(configuration: secure(receiver.port), eventLoopGroup: group, logger: logs.logger)
        try agent.emit(tag: "test", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 0.5)
        #expect(await pollUntil(seconds: 0.5) { receiver.stats.snapshot().handshakesSucceeded > 0 } == false)
        #expect(receiver.ledger.count == 0)
        #expect(receiver.stats.snapshot().connectionsAccepted >= 1, "the agent did connect")
        #expect(logs.contains("failed to establish connection with node"))
        await agent.stop(flush: false)
        await receiver.stop()
    }
}
