import ArgumentParser

/// `fwdlab replay`: Re-run a recorded scenario run. (not implemented yet)
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "replay", abstract: "Re-run a recorded scenario run.")

    func run() async throws {
        throw ValidationError("'fwdlab replay' is not implemented yet")
    }
}
