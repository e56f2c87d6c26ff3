import Foundation
import ForwardLabTestSupport
import ForwardProtocol
import NIOCore
import Simulator
import Testing

@Suite("Receiver: malformed corpus (fixtures/malformed/corpus.jsonl)")
struct MalformedCorpusTests {
    /// One corpus row. `expect` is what in_forward 1.16.9 does, as measured by `fwdlab fidelity-receiver`
    /// (docs/fidelity-receiver.md): close, ignore, accept (with `events` under `tag`, and `ack` as the expected
    /// response's hex) or incomplete. `fluentd` notes where 1.16.9 differs by design or the label was changed.
    struct Row: Decodable {
        var name: String
        var hex: String
        var expect: String
        var events: Int?
        var tag: String?
        var ack: String?
        var fluentd: String?
    }

    static func corpus() throws -> [Row] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/malformed/corpus.jsonl")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
    }

    @Test("The labels cover every frame and say what to check")
    func labels() throws {
        let rows = try Self.corpus()
        #expect(rows.count == 33)
        let counts = Dictionary(grouping: rows, by: \.expect).mapValues(\.count)
        #expect(counts == ["close": 17, "ignore": 7, "accept": 6, "incomplete": 3])
        for row in rows where row.expect == "accept" {
            #expect(row.events != nil, "\(row.name): an accepted frame says how many events")
            #expect((row.events ?? 0) == 0 || row.tag != nil, "\(row.name): events need the tag they are emitted under")
        }
        for row in rows where row.expect != "accept" {
            #expect(row.events == nil && row.ack == nil && row.tag == nil, "\(row.name): only accepted frames have events or acks")
        }
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
                let probe = "probe\(i)"
                switch row.expect {
                case "close":
                    #expect(client.waitForClose(timeout: 5), "\(row.name): connection should be closed")
                case "ignore":
                    // Still open: a probe on the same connection is acked, and it is the first response.
                    client.send(Wire.packed(tag: "probe", seqs: [200_000 + i], chunk: probe))
                    #expect(client.readMessage(timeout: 5) == Wire.ack(probe), "\(row.name): connection should stay open, no ack")
                case "accept":
                    // The frame's own ack (when it asks for one) comes first, then the probe's: still open.
                    if let ack = row.ack {
                        #expect(client.readMessage(timeout: 5) == Wire.hex(ack), "\(row.name): the frame is acked")
                    }
                    client.send(Wire.packed(tag: "probe", seqs: [200_000 + i], chunk: probe))
                    #expect(client.readMessage(timeout: 5) == Wire.ack(probe), "\(row.name): connection should stay open, no other ack")
                default:
                    #expect(client.readSome(timeout: 0.1) == .timeout, "\(row.name): nothing should come back")
                    client.close()
                }
            }
            deliverBackground()
            let events = receiver.ledger.events()
            // Only what Fluentd accepts from a bad frame enters the ledger: each accepting row's events, under its tag.
            let accepting = rows.filter { $0.expect == "accept" }
            let fromFrames = events.filter { $0.tag != "bg" && $0.tag != "probe" }
            #expect(fromFrames.count == accepting.reduce(0) { $0 + ($1.events ?? 0) }, "only accepted frames' events entered the ledger")
            for row in accepting where (row.events ?? 0) > 0 {
                #expect(fromFrames.filter { $0.tag == row.tag }.count >= row.events!, "\(row.name): events under tag '\(row.tag!)'")
            }
            #expect(Set(fromFrames.map(\.tag)) == Set(accepting.compactMap { ($0.events ?? 0) > 0 ? $0.tag : nil }))
            #expect(events.filter { $0.tag == "bg" }.count == rows.count + 1)
            #expect(events.filter { $0.tag == "probe" }.count == rows.filter { $0.expect == "ignore" || $0.expect == "accept" }.count)
            let closes = rows.filter { $0.expect == "close" }.count
            #expect(receiver.stats.snapshot().rejects >= closes)
        }
    }
}
