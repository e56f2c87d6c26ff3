import ForwardProtocol
import ForwardServer
import Foundation
import NIOCore
import Testing

@testable import Simulator

#if canImport(Glibc)
import Glibc
import ForwardLabTestSupport
#endif

@Suite("Faults: connections")
struct FaultConnectionTests {
    /// One acked PackedForward request of about `bytes` bytes (1000-byte records).
    func bigRequest(bytes: Int, chunk: String) -> ByteBuffer {
        var entries = ByteBuffer()
        let n = max(1, bytes / 1024)
        for i in 0 ..< n {
            ForwardEntry.write(time: Wire.time, encodedRecord: Wire.record(i, extra: String(repeating: "y", count: 1000)).encoded, into: &entries)
        }
        return ForwardEncoder.packedForward(tag: "big", entries: entries, size: n, chunk: chunk)
    }

    @Test("reset_on_accept: the client's connect succeeds, then it reads a reset; fin mode reads EOF")
    func resetOnAccept() async throws {
        for (mode, expected) in [("rst", RawClient.ReadResult.reset), ("fin", .eof)] {
            try await withFaults([FaultSpec(kind: "reset_on_accept", params: ["mode": .string(mode)])]) { receiver, _ in
                let client = try RawClient(port: receiver.port)
                #expect(client.readSome(timeout: 2) == expected, "mode \(mode)")
            }
        }
    }

    @Test("never_read: requests are neither accepted nor acked; the connection stays open")
    func neverRead() async throws {
        try await withFaults([FaultSpec(kind: "never_read")]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            client.send(ackedRequest(seq: 1, chunk: chunkID(1)))
            #expect(client.readSome(timeout: 0.3) == .timeout)
            #expect(receiver.ledger.count == 0)
            #expect(receiver.stats.snapshot().connectionsOpen == 1)
        }
    }

    @Test("read_stall after 100 bytes for 300 ms: first request acked at once, the next one 300 ms later (+25 ms slack)")
    func readStall() async throws {
        try await withFaults([FaultSpec(kind: "read_stall", params: ["after_bytes": 100, "duration": "300ms"])]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            let first = ackedRequest(seq: 1, chunk: chunkID(1))
            #expect(first.readableBytes < 100)
            let (a1, t1) = timedAck(client, seq: 1, chunk: chunkID(1))
            #expect(a1 != nil && t1 < 50)
            let (a2, t2) = timedAck(client, seq: 2, chunk: chunkID(2))
            print("read_stall 300ms: second ack after \(t2) ms")
            #expect(a2 == Wire.ack(chunkID(2)))
            #expect(isInjectedDelay(t2, 300), "second ack after \(t2) ms")
        }
    }

    @Test("slow_reader 2 MB/s: a 1.5 MB request is acked after 0.75 s ± 15 %")
    func slowReader() async throws {
        let rate = 2_000_000.0
        try await withFaults([FaultSpec(kind: "slow_reader", params: ["rate": .number(rate)])]) { receiver, _ in
            let client = try RawClient(port: receiver.port)
            let request = bigRequest(bytes: 1_500_000, chunk: chunkID(1))
            let expected = Double(request.readableBytes) / rate * 1000
            let t0 = MonotonicClock.nowNanos()
            // Send from another thread: the write blocks while the receiver reads slowly.
            let fd = client.fd
            let bytes = Array(request.readableBytesView)
            let sender = Thread {
                var off = 0
                while off < bytes.count {
                    let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
                    if n <= 0 { return }
                    off += n
                }
            }
            sender.start()
            let ack = client.readMessage(timeout: 5)
            let elapsed = ms(MonotonicClock.nowNanos() - t0)
            print("slow_reader \(rate) B/s: \(request.readableBytes) B acked after \(elapsed) ms (expected \(expected) ms, throughput \(Double(request.readableBytes) / elapsed * 1000) B/s)")
            #expect(ack == Wire.ack(chunkID(1)))
            #expect(abs(elapsed - expected) <= expected * 0.15)
        }
    }

    @Test("close_after_bytes: the connection is closed once more than N bytes arrived")
    func closeAfterBytes() async throws {
        for (mode, expected) in [("fin", RawClient.ReadResult.eof), ("rst", .reset)] {
            try await withFaults([FaultSpec(kind: "close_after_bytes", params: ["bytes": 150, "mode": .string(mode)])]) { receiver, _ in
                let client = try RawClient(port: receiver.port)
                #expect(timedAck(client, seq: 1, chunk: chunkID(1)).0 != nil) // ~100 bytes: fine
                client.send(ackedRequest(seq: 2, chunk: chunkID(2)))         // crosses 150
                #expect(client.readSome(timeout: 2) == expected, "mode \(mode)")
                #expect(receiver.ledger.count == 1)
            }
        }
    }

    /// Sends acked requests `gap` apart (`count` of them, each acked) and returns when the last ack was read.
    func keepBusy(_ client: RawClient, count: Int, gapMicros: UInt32) -> UInt64 {
        for i in 1 ... count {
            #expect(timedAck(client, seq: i, chunk: chunkID(i)).0 == Wire.ack(chunkID(i)), "activity #\(i) is served")
            if i < count { usleep(gapMicros) }
        }
        return MonotonicClock.nowNanos()
    }

    @Test("idle_timeout 300 ms fin/rst: traffic every 150 ms keeps the connection; 300 ± 25 ms after the last byte the timer sends FIN / RST")
    func idleTimeoutTimer() async throws {
        for (mode, expected) in [("fin", RawClient.ReadResult.eof), ("rst", .reset)] {
            try await withFaults([FaultSpec(kind: "idle_timeout", params: ["idle": "300ms", "mode": .string(mode)])]) { receiver, engine in
                let client = try RawClient(port: receiver.port)
                // 4 requests 150 ms apart: the connection lives > 450 ms, longer than the timeout, because
                // every byte restarts its timer.
                let lastAck = keepBusy(client, count: 4, gapMicros: 150_000)
                // No byte is sent now: the close must come from the timer, not from the next activity.
                let result = client.readSome(timeout: 1)
                let idleFor = ms(MonotonicClock.nowNanos() - lastAck)
                print("idle_timeout 300ms \(mode): \(result) \(idleFor) ms after the last ack")
                #expect(result == expected, "mode \(mode)")
                #expect(abs(idleFor - 300) <= 25, "mode \(mode): closed \(idleFor) ms after the last byte")
                #expect(receiver.ledger.count == 4)
                #expect(engine.log.entries(since: 0, limit: 100).filter { $0.hook == "idle" }.count == 1)
            }
        }
    }

    @Test("idle_timeout 200 ms blackhole: at 200 ± 25 ms idle the flow is forgotten; a later request is swallowed, no ack, no close")
    func idleTimeoutBlackhole() async throws {
        try await withFaults([FaultSpec(kind: "idle_timeout", params: ["idle": "200ms", "mode": "blackhole"])]) { receiver, engine in
            let client = try RawClient(port: receiver.port)
            let lastAck = keepBusy(client, count: 2, gapMicros: 100_000)
            let fired = await pollUntil(seconds: 1) { !engine.log.entries(since: 0, limit: 10).filter { $0.hook == "idle" }.isEmpty }
            #expect(fired)
            let entry = try #require(engine.log.entries(since: 0, limit: 10).first { $0.hook == "idle" })
            let idleFor = ms(entry.monotonicNanos - min(entry.monotonicNanos, lastAck))
            print("idle_timeout 200ms blackhole: fired \(idleFor) ms after the last ack (\(entry.decision))")
            #expect(entry.decision == "blackhole")
            #expect(abs(idleFor - 200) <= 25)
            client.send(ackedRequest(seq: 3, chunk: chunkID(3)))
            #expect(client.readSome(timeout: 0.4) == .timeout, "no ack and no FIN/RST: the agent only has its ack timeout")
            #expect(receiver.ledger.count == 2)
            #expect(receiver.stats.snapshot().connectionsOpen == 1)
        }
    }
}
