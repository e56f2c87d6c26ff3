import ArgumentParser

/// The ForwardLab command line: one subcommand per job.
@main
struct FwdLab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fwdlab",
        abstract: "Test and simulation harness for Fluentd forward-protocol log forwarding."
    )
}
