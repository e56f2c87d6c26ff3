import ArgumentParser

/// `fwdlab receiver`: Run a wire-exact fake in_forward receiver. (not implemented yet)
struct ReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "receiver", abstract: "Run a wire-exact fake in_forward receiver.")

    func run() async throws {
        throw ValidationError("'fwdlab receiver' is not implemented yet")
    }
}
