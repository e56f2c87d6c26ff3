import ArgumentParser
import Foundation
import Scenarios

/// `fwdlab fidelity-receiver`: the fwdlab receiver against real Fluentd's in_forward, frame by frame
/// (docs/fidelity-receiver.md).
struct FidelityReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fidelity-receiver",
        abstract: "Compare the fwdlab receiver with real Fluentd in_forward, frame by frame (malformed corpus + generated edge cases).")

    @Option(help: "The oracle: fluentd, fluentd:VERSION or fluentd=/path/to/bin/fluentd.")
    var against: String = "fluentd:1.16.9"

    @Option(help: "The malformed-frame corpus (JSON lines: name, hex, expect).")
    var corpus: String = "fixtures/malformed/corpus.jsonl"

    @Option(name: .customLong("known-differences"), help: "Explained differences (frame, reason).")
    var knownDifferences: String = "fixtures/fidelity/receiver-known-differences.json"

    @Option(help: "Directory for receiver-fidelity.json and Fluentd's logs.")
    var out: String = "reports/fidelity-receiver"

    @Option(name: .customLong("probe-timeout"), help: "Seconds to wait for the probe's ack after each frame.")
    var probeTimeout: Double = 1.5

    @Flag(name: .customLong("corpus-only"), help: "Skip the generated valid edge cases.")
    var corpusOnly = false

    func run() async throws {
        let installation: FluentdInstallation
        do {
            guard case let .fluentd(f) = try RunOptions.AgentMode.parse(against) else {
                throw ValidationError("--against takes fluentd, fluentd:VERSION or fluentd=PATH, not '\(against)'")
            }
            installation = f
        } catch let e as ValidationError {
            throw e
        } catch {
            throw ValidationError("\(error)")
        }
        var frames = try ReceiverFrameCorpus.load(corpusPath: corpus)
        if !corpusOnly { frames += ReceiverFrameCorpus.generated() }
        let known = try ReceiverKnownDifferences.load(path: knownDifferences)
        var options = ReceiverDifferential.Options(fluentd: installation, frames: frames, known: known,
                                                   workdir: (out as NSString).appendingPathComponent("work"))
        options.probeTimeout = probeTimeout
        options.wholeCorpus = !corpusOnly
        FileHandle.standardError.write(Data("fidelity-receiver: \(frames.count) frames against Fluentd \(installation.version) (\(installation.origin))\n".utf8))
        let report = try await ReceiverDifferential(options: options).run { row in
            FileHandle.standardError.write(Data("  \(row.status == .same ? "same" : "DIFF") \(row.frame)\n".utf8))
        }
        print(report.table())
        let path = try report.write(to: out)
        FileHandle.standardError.write(Data("wrote \(path)\n".utf8))
        if !report.passed { throw ExitCode(1) }
    }
}
