import ArgumentParser

/// `fwdlab bench`: throughput benchmarks that print their figures (never timed unit tests).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the throughput benchmarks (build with -c release for real figures).",
        subcommands: [BenchReceiverCommand.self, BenchRelayCommand.self, BenchCaptureCommand.self, BenchTuneCommand.self]
    )
}
