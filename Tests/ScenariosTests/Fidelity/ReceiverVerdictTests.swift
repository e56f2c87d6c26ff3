import Foundation
import Testing
@testable import Scenarios

/// Verdict comparison, report totals and log parsing: no Fluentd needed.
@Suite("Receiver fidelity: verdicts")
struct ReceiverVerdictTests {
    static let frame = ReceiverFrame(name: "f", bytes: [0x90], origin: .corpus, corpusExpect: "close")

    @Test("Equal verdicts agree; each field that differs is named")
    func compare() {
        let a = ReceiverVerdict(events: 2, acks: ["81a361636ba163"], connection: .kept)
        #expect(ReceiverVerdict.differences(fluentd: a, fwdlab: a).isEmpty)
        let b = ReceiverVerdict(events: 1, acks: [], connection: .closed, closeKind: "reset")
        let d = ReceiverVerdict.differences(fluentd: a, fwdlab: b)
        #expect(d.count == 3)
        #expect(d.contains { $0.hasPrefix("events: Fluentd 2, fwdlab 1") })
        #expect(d.contains { $0.hasPrefix("acks:") })
        #expect(d.contains { $0 == "connection: Fluentd kept, fwdlab closed" })
        // The tags events were emitted under are compared too (a non-string tag's text, docs/fidelity-receiver.md).
        let tagged = ReceiverVerdict(events: 2, acks: ["81a361636ba163"], connection: .kept, eventTags: ["1"])
        #expect(ReceiverVerdict.differences(fluentd: tagged, fwdlab: a) == ["tags: Fluentd [\"1\"], fwdlab []"])
    }

    @Test("How a connection closed (FIN or RST) is not compared")
    func closeKindIgnored() {
        let fin = ReceiverVerdict(events: 0, acks: [], connection: .closed, closeKind: "fin")
        let rst = ReceiverVerdict(events: 0, acks: [], connection: .closed, closeKind: "reset")
        #expect(ReceiverVerdict.differences(fluentd: fin, fwdlab: rst).isEmpty)
    }

    @Test("Fluentd dying agrees only with a close that accepted and acked nothing")
    func processDeath() {
        let died = ReceiverVerdict(events: 0, acks: [], connection: .processDied)
        #expect(ReceiverVerdict.differences(fluentd: died, fwdlab: ReceiverVerdict(events: 0, acks: [], connection: .closed)).isEmpty)
        #expect(!ReceiverVerdict.differences(fluentd: died, fwdlab: ReceiverVerdict(events: 0, acks: [], connection: .silent)).isEmpty)
        #expect(!ReceiverVerdict.differences(fluentd: died, fwdlab: ReceiverVerdict(events: 1, acks: [], connection: .closed)).isEmpty)
        #expect(!ReceiverVerdict.differences(fluentd: died, fwdlab: ReceiverVerdict(events: 0, acks: ["81"], connection: .closed)).isEmpty)
        #expect(ReceiverVerdict.differences(fluentd: died, fwdlab: died) == ["the fwdlab receiver died"])
    }

    @Test("A listed difference is explained, an unlisted one fails the run, a listed agreement is stale")
    func knownDifferences() {
        let known = ReceiverKnownDifferences(differences: [.init(frame: "f", reason: "limit")])
        let kept = ReceiverVerdict(events: 0, acks: [], connection: .kept)
        let closed = ReceiverVerdict(events: 0, acks: [], connection: .closed)
        let explained = ReceiverDifferential.row(Self.frame, fluentd: kept, fwdlab: closed, known: known)
        #expect(explained.status == .explained && explained.explanation == "limit")
        let other = ReceiverFrame(name: "g", bytes: [0x90], origin: .generated)
        let differ = ReceiverDifferential.row(other, fluentd: kept, fwdlab: closed, known: known)
        #expect(differ.status == .differ)
        let same = ReceiverDifferential.row(Self.frame, fluentd: kept, fwdlab: kept, known: known)
        #expect(same.status == .same && same.explanation == nil)
        let report = ReceiverFidelityReport(fluentdVersion: "1.16.9", fluentdOrigin: "x", fluentdRestarts: 0,
                                            rows: [explained, differ, same], staleExplanations: [])
        #expect(report.agree == 1 && report.differ == 1 && report.explained == 1 && !report.passed)
        #expect(report.table().hasSuffix("1 agree, 1 differ (1 explained)"))
        // Every difference explained passes, unless an explanation is stale.
        let clean = ReceiverFidelityReport(fluentdVersion: "1.16.9", fluentdOrigin: "x", fluentdRestarts: 0,
                                           rows: [explained, same], staleExplanations: [])
        #expect(clean.passed)
        var stale = clean
        stale.staleExplanations = ["h"]
        #expect(!stale.passed)
    }

    @Test("The report round-trips through JSON with its totals")
    func reportJSON() throws {
        let v = ReceiverVerdict(events: 1, acks: [], connection: .kept)
        let row = ReceiverDifferential.row(Self.frame, fluentd: v, fwdlab: v, known: ReceiverKnownDifferences())
        let report = ReceiverFidelityReport(fluentdVersion: "1.16.9", fluentdOrigin: "x", fluentdRestarts: 1, rows: [row], staleExplanations: [])
        let dir = NSTemporaryDirectory() + "fidelity-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try report.write(to: dir)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(try JSONDecoder().decode(ReceiverFidelityReport.self, from: data) == report)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["agree"] as? Int == 1)
    }

    @Test("out_stdout event lines are counted; Fluentd's own log lines are not")
    func logLines() {
        #expect(FluentdForwardSide.eventTag(inLogLine: "2023-11-14 22:13:20.123456789 +0000 fid.g01: {\"seq\":1}") == "fid.g01")
        #expect(FluentdForwardSide.eventTag(inLogLine: "2026-12-02 18:32:01 +0000 [info]: adding source type=\"forward\"") == nil)
        #expect(FluentdForwardSide.eventTag(inLogLine: "  <source>") == nil)
        #expect(FluentdForwardSide.eventTag(inLogLine: "1970-01-01 00:00:01.000000000 +0000 tag: 0") == "tag")
        // Non-string tags as out_stdout prints them: empty, and with spaces.
        #expect(FluentdForwardSide.eventTag(inLogLine: "1970-01-01 00:00:02.000000000 +0000 : {\"a\":1}") == "")
        #expect(FluentdForwardSide.eventTag(inLogLine: "2023-11-14 22:13:20.123456789 +0000 [1, \"a\", nil]: {\"seq\":1}") == "[1, \"a\", nil]")
        #expect(FluentdForwardSide.eventTag(inLogLine: "2026-12-02 18:55:14 +0000 [warn]: incoming chunk is broken: host=\"127.0.0.1\"") == nil)
    }

    @Test("The corpus loads all 33 rows; generated frames have unique names and a JSON first byte decides the encoding")
    func corpus() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let rows = try ReceiverFrameCorpus.load(corpusPath: root.appendingPathComponent("fixtures/malformed/corpus.jsonl").path)
        #expect(rows.count == 33)
        #expect(rows.allSatisfy { $0.encoding == .msgpack && $0.corpusExpect != nil })
        let generated = ReceiverFrameCorpus.generated()
        #expect(Set(generated.map(\.name)).count == generated.count)
        #expect(Set(rows.map(\.name)).isDisjoint(with: generated.map(\.name)))
        #expect(generated.contains { $0.encoding == .json })
        let known = try ReceiverKnownDifferences.load(path: root.appendingPathComponent("fixtures/fidelity/receiver-known-differences.json").path)
        let names = Set((rows + generated).map(\.name))
        #expect(known.differences.allSatisfy { names.contains($0.frame) }, "every known difference names a frame")
    }
}
