import ForwardProtocol
import ForwardServer
import NIOCore
import Simulator
import Testing

@testable import Scenarios

/// The load driver's client tells an ack, a close without ack (a refusing in_forward), silence and an absent
/// listener apart, so process mode can count refused events as overflow rather than as a dead agent.
@Suite(.serialized) struct ForwardInputClientTests {
    static func entries(_ n: Int) -> ByteBuffer {
        var b = ByteBuffer()
        for i in 0 ..< n {
            var e = MessagePackValue.array([.int(1_700_000_000),
                                            .map([MessagePackPair(.str("seq"), .int(Int64(i)))])]).encoded
            b.writeBuffer(&e)
        }
        return b
    }

    /// Runs `body` against a receiver holding `faults`.
    static func withReceiver(_ faults: [FaultSpec], _ body: (ForwardReceiver) async throws -> Void) async throws {
        let engine = FaultEngine(receiver: "r", seed: 1)
        for f in faults { try engine.add(f) }
        var settings = ReceiverSettings(name: "r")
        settings.hooks = engine
        settings.logger.logLevel = .critical
        let receiver = try await ForwardReceiver.start(settings)
        do { try await body(receiver) } catch { await receiver.stop(); throw error }
        await receiver.stop()
    }

    @Test func ackedRequestsAreAcked() async throws {
        try await Self.withReceiver([]) { r in
            let client = ForwardInputClient(port: r.port)
            #expect(await client.send(tag: "t", entries: Self.entries(3), count: 3) == .acked)
            #expect(await client.send(tag: "t", entries: Self.entries(2), count: 2) == .acked)
            client.close()
            #expect(r.ledger.count == 5)
        }
    }

    @Test(arguments: ["fin", "rst"])
    func aCloseInsteadOfTheAckIsClosedWithoutAck(mode: String) async throws {
        try await Self.withReceiver([FaultSpec(kind: "ack_close", params: ["mode": .string(mode)])]) { r in
            let client = ForwardInputClient(port: r.port)
            #expect(await client.send(tag: "t", entries: Self.entries(1), count: 1) == .closedWithoutAck)
            client.close()
        }
    }

    @Test func aMissingAckIsNoAck() async throws {
        try await Self.withReceiver([FaultSpec(kind: "ack_drop")]) { r in
            let client = ForwardInputClient(port: r.port, ackTimeout: .milliseconds(300))
            #expect(await client.send(tag: "t", entries: Self.entries(1), count: 1) == .noAck)
            client.close()
        }
    }

    @Test func nobodyListeningIsUnreachable() async throws {
        let port = try PortAllocator.freeTCPPort()
        let client = ForwardInputClient(port: port)
        #expect(await client.send(tag: "t", entries: Self.entries(1), count: 1) == .unreachable)
    }
}
