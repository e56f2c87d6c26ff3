import ArgumentParser

/// The ForwardLab command line: one subcommand per job, each a thin shell over a module.
@main
struct FwdLab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fwdlab",
        abstract: "Test and simulation harness for Fluentd forward-protocol log forwarding.",
        subcommands: [
            RunCommand.self, ReplayCommand.self, AgentCommand.self, ReceiverCommand.self, SimulateCommand.self,
            PcapCommand.self, TuneCommand.self, BenchCommand.self, DNSCommand.self, NetnsCommand.self,
            FidelityCommand.self, FidelityReceiverCommand.self, FidelityMatrixCommand.self, FaultCheckCommand.self, SoakCommand.self, ReportCommand.self,
        ]
    )
}
