import ArgumentParser

/// `fwdlab run`: Run failure scenarios against the agent. (not implemented yet)
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run failure scenarios against the agent.")

    func run() async throws {
        throw ValidationError("'fwdlab run' is not implemented yet")
    }
}
