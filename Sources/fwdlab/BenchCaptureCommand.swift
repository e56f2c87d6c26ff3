import ArgumentParser
import Capture
import Foundation

/// `fwdlab bench capture`: analyzer throughput on a generated capture of acked PackedForward traffic.
struct BenchCaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Capture analyzer throughput (MB/s) on a generated pcap; target ≥ 200 MB/s."
    )

    @Option(help: "Size of the generated capture in MB.")
    var sizeMB = 500

    @Option(help: "Where to write the temporary capture.")
    var directory = NSTemporaryDirectory()

    func run() async throws {
        _ = try CaptureBenchmark.run(sizeMB: sizeMB, directory: directory, keepFile: false, print: true)
    }
}
