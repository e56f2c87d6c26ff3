import ArgumentParser

/// `fwdlab bench capture`: Capture analyzer throughput on a generated pcap. (not implemented yet)
struct BenchCaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "capture", abstract: "Capture analyzer throughput on a generated pcap.")

    func run() async throws {
        throw ValidationError("'fwdlab bench capture' is not implemented yet")
    }
}
