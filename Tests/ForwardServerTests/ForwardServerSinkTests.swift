import ForwardLabTestSupport
import ForwardProtocol
import ForwardServer
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// The in_forward server on its own, with a sink of the test's making (no simulator ledger): what it hands over, when
/// it acks, and what a refusing sink or broken input does to the connection (docs/forward-protocol.md, "Request
/// processing").
@Suite struct ForwardServerSinkTests {
    /// Records what the server hands over; answers every request with `verdict`.
    final class RecordingSink: ForwardIngestSink {
        let verdict: IngestVerdict
        private let state = NIOLockedValueBox<(batches: [IngestBatch], rejections: [IngestRejection], peers: [String])>(([], [], []))

        init(verdict: IngestVerdict = .accepted) { self.verdict = verdict }

        var wantsEntries: Bool { true }
        func registerPeer(_ peer: String) -> UInt32 {
            state.withLockedValue { $0.peers.append(peer); return UInt32($0.peers.count) }
        }
        func accept(_ batch: IngestBatch) -> IngestVerdict {
            state.withLockedValue { $0.batches.append(batch) }
            return verdict
        }
        func reject(_ rejection: IngestRejection) { state.withLockedValue { $0.rejections.append(rejection) } }

        var batches: [IngestBatch] { state.withLockedValue { $0.batches } }
        var rejections: [IngestRejection] { state.withLockedValue { $0.rejections } }
        var peers: [String] { state.withLockedValue { $0.peers } }
    }

    static func withServer(_ sink: RecordingSink, settings: ReceiverSettings = ReceiverSettings(name: "t"),
                           _ body: (ForwardServer) async throws -> Void) async throws {
        let server = try await ForwardServer.start(settings, sink: sink)
        do { try await body(server) } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func anAcceptedChunkIsHandedOverOnceThenAckedExactly() async throws {
        let sink = RecordingSink()
        try await Self.withServer(sink) { server in
            let client = try RawClient(port: server.port)
            client.send(Wire.packed(tag: "app.log", seqs: [1, 2, 3]))
            #expect(client.readMessage(timeout: 5) == Wire.ack(Wire.chunkID))
            let batches = sink.batches
            #expect(batches.count == 1)
            #expect(batches.first?.tagString == "app.log")
            let batch = try #require(batches.first)
            // The chunk option as it came (a MessagePack string), and the entries as encoded events (wantsEntries).
            #expect(try batch.chunk.map { try MessagePackValue.decode($0) } == .str(Wire.chunkID))
            var it = ForwardEntryIterator(packed: batch.entries)
            var seqs: [Int64] = []
            while let e = try it.next() { if let v = try MessagePackValue.decode(e.record)["seq"]?.intValue { seqs.append(v) } }
            #expect(seqs == [1, 2, 3])
            #expect(sink.peers.count == 1 && sink.peers[0].hasPrefix("127.0.0.1:"), "\(sink.peers)")
            #expect(sink.rejections.isEmpty)
        }
    }

    /// A sink that refuses (a full buffer with overflow_action throw_exception) gets no ack written: the server
    /// closes the connection, the ack-waiting client's signal to resend.
    @Test func aRefusedRequestIsNotAckedAndTheConnectionCloses() async throws {
        let sink = RecordingSink(verdict: .refused("buffer full"))
        try await Self.withServer(sink) { server in
            let client = try RawClient(port: server.port)
            client.send(Wire.packed(seqs: [1]))
            #expect(client.waitForClose(timeout: 5), "closed without an ack")
            #expect(sink.batches.count == 1)
        }
    }

    /// Bytes that are not MessagePack are refused with a reason, the connection is closed, and the server keeps
    /// serving the next client.
    @Test func garbageIsRejectedWithAReasonAndTheServerStaysUp() async throws {
        let sink = RecordingSink()
        try await Self.withServer(sink) { server in
            let bad = try RawClient(port: server.port)
            bad.send([0xc1, 0xc1, 0xc1, 0xc1])  // 0xc1 is never used in MessagePack
            #expect(bad.waitForClose(timeout: 5))
            #expect(await pollUntil(seconds: 5) { !sink.rejections.isEmpty })
            #expect(sink.rejections.first?.reason == .malformed, "\(sink.rejections)")
            #expect(sink.batches.isEmpty)
            let good = try RawClient(port: server.port)
            good.send(Wire.packed(seqs: [7]))
            #expect(good.readMessage(timeout: 5) == Wire.ack(Wire.chunkID))
        }
    }

    @Test func clientNetworksMatchAsInForward() throws {
        let net = try ClientAddressMatcher(network: "192.168.0.0/16")
        #expect(net.description == "192.168.0.0/16")
        #expect(net.contains("192.168.44.1") && !net.contains("192.169.0.1") && !net.contains("10.0.0.1"))
        #expect(throws: (any Error).self) { try ClientAddressMatcher(network: "192.168.0.0/99") }
    }

    /// Reads of at most 4 KB cut these 5–6 KB requests mid-frame, so each read's tail is copied out and the next read
    /// appended to the copy: every request must still arrive whole, in order, and be acked once.
    @Test func requestsCutByTheReadLimitArriveWholeAndInOrder() async throws {
        let sink = RecordingSink()
        var settings = ReceiverSettings(name: "t")
        settings.readBufferLimit = 4096
        try await Self.withServer(sink, settings: settings) { server in
            let client = try RawClient(port: server.port)
            var all = ByteBuffer()
            let requests = (0..<6).map { r in Array(r * 1000..<(r * 1000 + 250)) }
            for seqs in requests {
                var one = Wire.packed(tag: "app.log", seqs: seqs)
                #expect(one.readableBytes > 4096, "a request spans more than one read")
                all.writeBuffer(&one)
            }
            client.send(all)
            for _ in requests { #expect(client.readMessage(timeout: 5) == Wire.ack(Wire.chunkID)) }
            var got: [[Int]] = []
            for batch in sink.batches {
                var it = ForwardEntryIterator(packed: batch.entries)
                var seqs: [Int] = []
                while let e = try it.next() { if let v = try MessagePackValue.decode(e.record)["seq"]?.intValue { seqs.append(Int(v)) } }
                got.append(seqs)
            }
            #expect(got == requests)
            #expect(sink.rejections.isEmpty)
        }
    }
}
