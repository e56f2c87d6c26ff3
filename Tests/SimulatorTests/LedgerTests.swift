import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import Foundation
import NIOCore
import Simulator
import Testing

@Suite("Ledger: queries, duplicates, JSON lines")
struct LedgerTests {
    @Test("Duplicates by seq and per-chunk accept counts after a resend; JSON lines file")
    func duplicatesAndJSONL() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withReceiver({ $0.ledger.jsonLinesPath = path; $0.ledger.sequenceField = "n" }) { receiver in
            let client = try RawClient(port: receiver.port)
            func send(_ seqs: [Int], chunk: String) {
                var entries = ByteBuffer()
                for s in seqs {
                    ForwardEntry.write(time: Wire.time, encodedRecord: MessagePackValue.map([
                        MessagePackPair("other", .array([.int(1), .str("x")])), MessagePackPair("n", .int(Int64(s)))]).encoded, into: &entries)
                }
                client.send(ForwardEncoder.packedForward(tag: "dup", entries: entries, size: seqs.count, chunk: chunk))
                #expect(client.readMessage(timeout: 5) == Wire.ack(chunk))
            }
            send([1, 2, 3], chunk: "A")
            send([1, 2, 3], chunk: "A")  // a resend of the same chunk
            send([4], chunk: "B")
            let ledger = receiver.ledger
            #expect(ledger.count == 7)
            #expect(ledger.duplicateSequences() == [1: 2, 2: 2, 3: 2])
            #expect(ledger.events(seq: 2).count == 2)
            #expect(ledger.acceptCount(chunkID: "A") == 2)
            #expect(ledger.snapshot().duplicateChunkAccepts == 1)
            #expect(ledger.missingSequences(in: 1 ... 5) == [5])
            #expect(ledger.sequenceNumbers() == [1, 2, 3, 1, 2, 3, 4])
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 7)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["tag"] as? String == "dup")
        #expect(first?["seq"] as? Int == 1)
        #expect(first?["chunk"] as? String == "A")
        #expect(first?["mode"] as? String == "PackedForward")
        #expect(first?["receiver"] as? String == "test-receiver")
        #expect((first?["peer"] as? String)?.hasPrefix("127.0.0.1:") == true)
    }

    @Test("Load client: unique seqs across connections, every chunk acked, all in the ledger")
    func loadClient() async throws {
        try await withReceiver { receiver in
            var load = ForwardLoadSettings(port: receiver.port, connections: 3, recordSize: 256, batch: 50, pipelineDepth: 2)
            load.maxChunksPerConnection = 20
            load.duration = .seconds(20)
            let result = try await ForwardLoadClient.run(load)
            #expect(result.chunksAcked == 60 && result.ackMismatches == 0 && result.failedConnections == 0)
            #expect(receiver.ledger.count == 3000)
            #expect(receiver.ledger.duplicateSequences().isEmpty)
            #expect(receiver.ledger.snapshot().distinctChunks == 60)
            for range in result.sequenceRanges {
                #expect(receiver.ledger.missingSequences(in: range).isEmpty)
            }
        }
    }

    @Test("Fault hooks: drop an ack, close instead of acking, refuse a request")
    func faultHooks() async throws {
        struct Hooks: ReceiverFaultHooks {
            func beforeAck(_ request: ReceivedRequestInfo) -> ReceiverAckDecision {
                switch request.chunkID {
                case "drop": return .drop
                case "close": return .close
                default: return .send
                }
            }
            func beforeAccepting(_ request: ReceivedRequestInfo) -> ReceiverRequestDecision {
                request.tag == "refuse" ? .closeWithoutAck : .accept
            }
        }
        try await withReceiver({ $0.hooks = Hooks() }) { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(Wire.packed(seqs: [1], chunk: "drop"))
            client.send(Wire.packed(seqs: [2], chunk: "ok"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("ok"))
            client.send(Wire.packed(seqs: [3], chunk: "close"))
            #expect(client.waitForClose(timeout: 5))
            let other = try RawClient(port: receiver.port)
            other.send(Wire.packed(tag: "refuse", seqs: [4], chunk: "r"))
            #expect(other.waitForClose(timeout: 5))
            #expect(receiver.ledger.sequenceNumbers() == [1, 2, 3])
        }
    }
}
