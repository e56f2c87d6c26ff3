import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import Foundation
import NIOCore
import Testing

@testable import Simulator

@Suite("Faults: acks")
struct FaultAckTests {
    @Test("ack_drop: the events are accepted but the ack never comes (bounded 300 ms wait)")
    func drop() async throws {
        try await withFaults([FaultSpec(kind: "ack_drop")]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            let (ack, _) = timedAck(client, seq: 1, chunk: chunkID(1), timeout: 0.3)
            #expect(ack == nil)
            #expect(receiver.ledger.count == 1)
        }
    }

    @Test("ack_drop aimed with nth: only the second ack is lost")
    func dropNth() async throws {
        try await withFaults([FaultSpec(kind: "ack_drop", params: ["nth": 2])]) { receiver, engine in
            let client = try RawClient(port: receiver.port)
            #expect(timedAck(client, seq: 1, chunk: chunkID(1)).0 == Wire.ack(chunkID(1)))
            #expect(timedAck(client, seq: 2, chunk: chunkID(2), timeout: 0.3).0 == nil)
            #expect(timedAck(client, seq: 3, chunk: chunkID(3)).0 == Wire.ack(chunkID(3)))
            let log = engine.log.entries()
            #expect(log.count == 1 && log[0].target.contains("chunk=\(chunkID(2).dropLast())"))
        }
    }

    @Test("ack_delay past a 200 ms ack timeout: nothing within the timeout, the stale ack arrives later")
    func delayPastTimeout() async throws {
        try await withFaults([FaultSpec(kind: "ack_delay", params: ["delay": "400ms"])]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            client.send(ackedRequest(seq: 1, chunk: chunkID(1)))
            let t0 = MonotonicClock.nowNanos()
            #expect(client.readMessage(timeout: 0.2) == nil)
            let late = client.readMessage(timeout: 2)
            let elapsed = ms(MonotonicClock.nowNanos() - t0)
            #expect(late == Wire.ack(chunkID(1)))
            #expect(isInjectedDelay(elapsed, 400), "late ack after \(elapsed) ms")
        }
    }

    @Test("ack_duplicate: the client reads the same ack twice")
    func duplicate() async throws {
        try await withFaults([FaultSpec(kind: "ack_duplicate")]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            client.send(ackedRequest(seq: 1, chunk: chunkID(1)))
            #expect(client.readMessage(timeout: 2) == Wire.ack(chunkID(1)))
            #expect(client.readMessage(timeout: 2) == Wire.ack(chunkID(1)))
        }
    }

    @Test("ack_reorder depth 1: pipelined requests 1,2,3,4 are acked 2,1,4,3")
    func reorder() async throws {
        try await withFaults([FaultSpec(kind: "ack_reorder")]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            for i in 1 ... 4 { client.send(ackedRequest(seq: i, chunk: chunkID(i))) }
            var got: [[UInt8]] = []
            for _ in 1 ... 4 { if let m = client.readMessage(timeout: 2) { got.append(m) } }
            #expect(got == [2, 1, 4, 3].map { Wire.ack(chunkID($0)) })
        }
    }

    @Test("ack_wrong_id: a well-formed ack for another chunk")
    func wrongID() async throws {
        try await withFaults([FaultSpec(kind: "ack_wrong_id")]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            let ack = try #require(timedAck(client, seq: 1, chunk: chunkID(1)).0)
            let value = try MessagePackValue.decode(ByteBuffer(bytes: ack))
            let acked = try #require(ForwardAck.ackedChunk(in: value))
            #expect(acked != Array(chunkID(1).utf8))
            #expect(acked.count == 25 && acked.last == 0x0A)
        }
    }

    @Test("ack_close: FIN (orderly EOF) or RST (reset) instead of the ack; events already accepted")
    func closeBeforeAck() async throws {
        for (mode, expected) in [("fin", RawClient.ReadResult.eof), ("rst", .reset)] {
            try await withFaults([FaultSpec(kind: "ack_close", params: ["mode": .string(mode)])]) { receiver, _ in
                let client = try RawClient(port: receiver.port)
                client.send(ackedRequest(seq: 1, chunk: chunkID(1)))
                #expect(client.readSome(timeout: 2) == expected, "mode \(mode)")
                #expect(receiver.ledger.count == 1)
            }
        }
    }

    @Test("ack_without_accept: the client gets its ack, the ledger gets nothing")
    func ackWithoutAccept() async throws {
        try await withFaults([FaultSpec(kind: "ack_without_accept")]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            #expect(timedAck(client, seq: 1, chunk: chunkID(1)).0 == Wire.ack(chunkID(1)))
            #expect(receiver.ledger.count == 0)
            #expect(receiver.ledger.rejectionCountsByReason()[.fault] == 1)
        }
    }

    @Test("chunk_size_limit fault: a request over the limit gets no ack and no ledger entry; a small one is acked")
    func chunkSizeLimit() async throws {
        try await withFaults([FaultSpec(kind: "chunk_size_limit", params: ["limit": 200])]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            let big = Wire.packed(seqs: Array(1 ... 20), chunk: chunkID(1))
            #expect(big.readableBytes > 200)
            client.send(big)
            #expect(client.readMessage(timeout: 0.3) == nil)
            #expect(timedAck(client, seq: 99, chunk: chunkID(2)).0 == Wire.ack(chunkID(2)))
            #expect(receiver.ledger.count == 1)
            #expect(receiver.ledger.rejectionCountsByReason()[.fault] == 1)
        }
    }
}
