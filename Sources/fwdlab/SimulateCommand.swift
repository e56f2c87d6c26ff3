import ArgumentParser

/// `fwdlab simulate`: Run several receivers with a fault-control API. (not implemented yet)
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate", abstract: "Run several receivers with a fault-control API.")

    func run() async throws {
        throw ValidationError("'fwdlab simulate' is not implemented yet")
    }
}
