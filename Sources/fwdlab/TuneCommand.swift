import ArgumentParser

/// `fwdlab tune`: Sweep phi_threshold and heartbeat_interval in virtual time. (not implemented yet)
struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tune", abstract: "Sweep phi_threshold and heartbeat_interval in virtual time.")

    func run() async throws {
        throw ValidationError("'fwdlab tune' is not implemented yet")
    }
}
