import Foundation
import ForwardProtocol
import NIOCore
import Simulator
import Testing

@Suite("Receiver: malformed corpus (fixtures/malformed/corpus.jsonl)")
struct MalformedCorpusTests {
    struct Row: Decodable { var name: String; var hex: String; var expect: String }

    static func corpus() throws -> [Row] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/malformed/corpus.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
    }

    @Test("Each bad frame on its own connection while another connection keeps delivering")
    func corpusWhileServing() async throws {
        let rows = try Self.corpus()
        #expect(rows.count == 33)
        try await withReceiver { receiver in
            // The background connection: one acked request per corpus row, interleaved.
            let background = try RawClient(port: receiver.port)
            var bgSeq = 0
            func deliverBackground() {
                bgSeq += 1
                let chunk = "bg\(bgSeq)"
                background.send(Wire.packed(tag: "bg", seqs: [100_000 + bgSeq], chunk: chunk))
                #expect(background.readMessage(timeout: 5) == Wire.ack(chunk), "background ack \(bgSeq)")
            }
            for (i, row) in rows.enumerated() {
                deliverBackground()
                let client = try RawClient(port: receiver.port)
                client.send(Wire.hex(row.hex))
                switch row.expect {
                case "close":
                    #expect(client.waitForClose(timeout: 5), "\(row.name): connection should be closed")
                case "ignore":
                    // Still open: a probe on the same connection is acked, and it is the first response.
                    let probe = "probe\(i)"
                    client.send(Wire.packed(tag: "probe", seqs: [200_000 + i], chunk: probe))
                    #expect(client.readMessage(timeout: 5) == Wire.ack(probe), "\(row.name): connection should stay open, no ack")
                default:
                    #expect(client.readSome(timeout: 0.1) == .timeout, "\(row.name): nothing should come back")
                    client.close()
                }
            }
            deliverBackground()
            let events = receiver.ledger.events()
            #expect(events.allSatisfy { $0.tag == "bg" || $0.tag == "probe" }, "nothing from a bad frame entered the ledger")
            #expect(events.filter { $0.tag == "bg" }.count == rows.count + 1)
            #expect(events.filter { $0.tag == "probe" }.count == rows.filter { $0.expect == "ignore" }.count)
            let closes = rows.filter { $0.expect == "close" }.count
            #expect(receiver.stats.snapshot().rejects >= closes)
        }
    }
}
