import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import Foundation
import NIOCore
import Testing

@testable import Simulator

#if canImport(Glibc)
import Glibc
#endif

/// Receiver-wide faults measured from a client's side: what a closed listener, a paused process and a
/// crash do to open connections, new connects and the ledger.
@Suite("Control: refuse, pause, crash lifecycle", .serialized)
struct LifecycleFaultTests {
    @Test("refuse closes only the listener: open connections keep being acked, connects are refused, removal re-binds the port")
    func refuseKeepsOpenConnections() async throws {
        try await withController(ControlTests.topology(["a"])) { c in
            let port = try await c.port(of: "a")
            let open = try RawClient(port: port)
            #expect(timedAck(open, seq: 1, chunk: chunkID(1)).0 == Wire.ack(chunkID(1)))

            try await c.addFault(FaultSpec(kind: "refuse"), to: .receiver("a"))
            #expect(try await c.status(of: "a").state == .listenerClosed)
            #expect(refused(port), "new connects are refused")
            let (ack, t) = timedAck(open, seq: 2, chunk: chunkID(2))
            print("refuse: open connection acked in \(t) ms while the listener is closed")
            #expect(ack == Wire.ack(chunkID(2)), "the open connection still works")
            // The heartbeat socket is closed with the listener: no reply.
            let probe = UDPProbe(port: port)
            probe.send()
            #expect(probe.receive(timeout: 0.1) == nil)

            try await c.removeFault("refuse", from: .receiver("a"))
            #expect(try await c.port(of: "a") == port)
            let fresh = try RawClient(port: port)
            #expect(timedAck(fresh, seq: 3, chunk: chunkID(3)).0 == Wire.ack(chunkID(3)), "same port accepts again")
            #expect(timedAck(open, seq: 4, chunk: chunkID(4)).0 == Wire.ack(chunkID(4)), "the old connection survived")
            probe.send()
            #expect(probe.receive(timeout: 1) == port)
            let ledger = try await c.ledger(of: "a")
            #expect(ledger.count == 4)
            let decisions = c.faultLogEntries().filter { $0.hook == "lifecycle" }.map(\.decision)
            #expect(decisions == ["stop listening", "listen again"])
        }
    }

    @Test("pause stops accept(): a connect completes in the backlog but is not accepted or read until resume")
    func pauseStopsAccepting() async throws {
        try await withController(ControlTests.topology(["a"])) { c in
            let port = try await c.port(of: "a")
            let old = try RawClient(port: port)
            #expect(timedAck(old, seq: 1, chunk: chunkID(1)).0 != nil)
            let acceptedBefore = try await c.status(of: "a").stats.connectionsAccepted
            #expect(acceptedBefore == 1)

            try await c.pause(.receiver("a"))
            // The kernel completes the handshake (connect succeeds) but nobody calls accept().
            let queued = try RawClient(port: port)
            queued.send(ackedRequest(seq: 2, chunk: chunkID(2)))
            old.send(ackedRequest(seq: 3, chunk: chunkID(3)))
            #expect(queued.readMessage(timeout: 0.3) == nil)
            #expect(old.readMessage(timeout: 0.05) == nil)
            #expect(try await c.status(of: "a").stats.connectionsAccepted == acceptedBefore, "nothing accepted while paused")
            #expect(try await c.ledger(of: "a").count == 1)

            let t0 = MonotonicClock.nowNanos()
            try await c.resume(.receiver("a"))
            #expect(queued.readMessage(timeout: 2) == Wire.ack(chunkID(2)))
            #expect(old.readMessage(timeout: 2) == Wire.ack(chunkID(3)), "the same connection continues")
            print("pause: queued connection accepted and acked \(ms(MonotonicClock.nowNanos() - t0)) ms after resume")
            #expect(try await c.status(of: "a").stats.connectionsAccepted == acceptedBefore + 1)
            #expect(try await c.ledger(of: "a").count == 3)
        }
    }

    @Test("crash + restart keeps one ledger: events from before and after the crash are in the same ledger")
    func crashKeepsLedger() async throws {
        try await withController(ControlTests.topology(["a"])) { c in
            let port = try await c.port(of: "a")
            let ledger = try await c.ledger(of: "a")
            let before = try RawClient(port: port)
            #expect(timedAck(before, seq: 1, chunk: chunkID(1)).0 != nil)
            try await c.crash(.receiver("a"))
            #expect(before.waitForClose(timeout: 1))
            #expect(refused(port))
            #expect(try await c.ledger(of: "a") === ledger, "the ledger is readable while crashed")
            try await c.restart(.receiver("a"))
            let after = try RawClient(port: port)
            #expect(timedAck(after, seq: 2, chunk: chunkID(2)).0 != nil)
            #expect(try await c.ledger(of: "a") === ledger)
            #expect(ledger.count == 2)
            #expect(ledger.event(at: 0)?.seq == 1 && ledger.event(at: 1)?.seq == 2)
            #expect(try await c.status(of: "a").ledger.events == 2)
            #expect(try await c.serverStarts(of: "a").count == 2)
        }
    }
}
