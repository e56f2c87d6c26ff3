import Foundation
import Testing
@testable import Scenarios

/// The differential's harness against real Fluentd 1.16.9 on a few frames that exercise it (a frame that kills
/// Fluentd and the restart, a plain acked request, a listed difference); the whole corpus runs as a step of
/// tools/test.sh (`fwdlab fidelity-receiver`, which fails on any unexplained or stale difference). Skipped with the
/// reason when Fluentd is not installed, a failure when FWDLAB_REQUIRE_FLUENTD=1. About 4 s.
@Suite("Receiver fidelity: against real Fluentd", .serialized)
struct ReceiverDifferentialFluentdTests {
    static let installation: Result<FluentdInstallation, any Error> = Result { try FluentdInstallation.resolve(version: "1.16.9") }
    static var available: Bool { if case .success = installation { true } else { false } }
    static var skipReason: String {
        if case let .failure(e) = installation { return "Fluentd 1.16.9 not available (\(e)); set FWDLAB_FLUENTD_HOME" }
        return ""
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test("A frame that kills Fluentd, a plain request and a listed difference: Fluentd's verdicts, the restart, the explanation",
          .enabled(if: available || FluentdInstallation.required, "\(skipReason)"), .timeLimit(.minutes(2)))
    func differential() async throws {
        let installation = try Self.installation.get()
        try installation.verify()
        let all = try ReceiverFrameCorpus.load(corpusPath: Self.root.appendingPathComponent("fixtures/malformed/corpus.jsonl").path)
            + ReceiverFrameCorpus.generated()
        let known = try ReceiverKnownDifferences.load(
            path: Self.root.appendingPathComponent("fixtures/fidelity/receiver-known-differences.json").path)
        let listed = try #require(known.differences.first).frame
        let wanted = ["packed: three EventTime entries, size, chunk", "array32 with 4 billion elements", listed]
        let frames = wanted.compactMap { name in all.first { $0.name == name } }
        #expect(frames.count == 3, "frames missing from the corpus: \(wanted)")
        let workdir = NSTemporaryDirectory() + "fwdlab-fidelity-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: workdir) }
        var options = ReceiverDifferential.Options(fluentd: installation, frames: frames, known: known, workdir: workdir)
        options.probeTimeout = 1.0
        options.wholeCorpus = false
        let report = try await ReceiverDifferential(options: options).run()

        #expect(report.rows.map(\.frame) == frames.map(\.name))
        #expect(report.rows.allSatisfy { $0.fwdlab.connection != .processDied }, "the fwdlab receiver never dies")
        let death = report.rows.first { $0.frame == "array32 with 4 billion elements" }
        #expect(death?.fluentd.connection == .processDied, "Fluentd dies on the array32 header (restart exercised)")
        #expect(death?.status == .same)
        #expect(report.fluentdRestarts >= 1)
        // Sanity of the counting: a plain acked PackedForward of three events is three events and one ack on both.
        let packed = report.rows.first { $0.frame == "packed: three EventTime entries, size, chunk" }
        #expect(packed?.fluentd.events == 3 && packed?.fluentd.connection == .kept && packed?.fluentd.acks.count == 1)
        #expect(packed?.status == .same)
        // The listed difference still occurs against the real thing, and is the only explanation in use.
        #expect(report.rows.first { $0.frame == listed }?.status == .explained)
        #expect(report.staleExplanations.isEmpty && report.passed, "\(report.table())")
    }
}
