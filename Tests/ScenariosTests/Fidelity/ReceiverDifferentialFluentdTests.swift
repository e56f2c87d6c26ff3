import Foundation
import Testing
@testable import Scenarios

/// The whole differential against real Fluentd 1.16.9 (skipped with the reason when it is not installed, a
/// failure when FWDLAB_REQUIRE_FLUENTD=1). About 35 s.
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

    @Test("Every frame: the fwdlab receiver's verdict is Fluentd's, or the difference is explained",
          .enabled(if: available || FluentdInstallation.required, "\(skipReason)"), .timeLimit(.minutes(2)))
    func differential() async throws {
        let installation = try Self.installation.get()
        try installation.verify()
        let frames = try ReceiverFrameCorpus.load(corpusPath: Self.root.appendingPathComponent("fixtures/malformed/corpus.jsonl").path)
            + ReceiverFrameCorpus.generated()
        let known = try ReceiverKnownDifferences.load(
            path: Self.root.appendingPathComponent("fixtures/fidelity/receiver-known-differences.json").path)
        let workdir = NSTemporaryDirectory() + "fwdlab-fidelity-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: workdir) }
        var options = ReceiverDifferential.Options(fluentd: installation, frames: frames, known: known, workdir: workdir)
        options.probeTimeout = 1.0
        let report = try await ReceiverDifferential(options: options).run()

        #expect(report.rows.count == frames.count)
        #expect(report.rows.allSatisfy { $0.fwdlab.connection != .processDied }, "the fwdlab receiver never dies")
        let death = report.rows.first { $0.frame == "array32 with 4 billion elements" }
        #expect(death?.fluentd.connection == .processDied, "Fluentd dies on the array32 header (restart exercised)")
        #expect(death?.status == .same)
        #expect(report.fluentdRestarts >= 1)
        #expect(report.staleExplanations.isEmpty, "known differences that no longer occur: \(report.staleExplanations)")
        // Sanity of the counting: a plain acked PackedForward of three events is three events and one ack on both.
        let packed = report.rows.first { $0.frame == "packed: three EventTime entries, size, chunk" }
        #expect(packed?.fluentd.events == 3 && packed?.fluentd.connection == .kept && packed?.fluentd.acks.count == 1)
        #expect(packed?.status == .same)

        // Zero unexplained differences: every verdict (events, acks, tags, connection) is Fluentd's, or the
        // difference is listed with its reason in fixtures/fidelity/receiver-known-differences.json.
        let listing = report.rows.filter { $0.status == .differ }
            .map { "\($0.frame): \($0.differences.joined(separator: "; "))" }.joined(separator: "\n")
        #expect(report.differ == 0, "differences from Fluentd 1.16.9:\n\(listing)")
        #expect(report.rows.filter { $0.status == .explained }.count == known.differences.count)
    }
}
