import ArgumentParser

/// `fwdlab bench tune`: Tuning engine throughput: simulated hours per second. (not implemented yet)
struct BenchTuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tune", abstract: "Tuning engine throughput: simulated hours per second.")

    func run() async throws {
        throw ValidationError("'fwdlab bench tune' is not implemented yet")
    }
}
