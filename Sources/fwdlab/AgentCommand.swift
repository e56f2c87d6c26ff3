import ArgumentParser

/// `fwdlab agent`: Run the forwarding agent (a Swift out_forward). (not implemented yet)
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Run the forwarding agent (a Swift out_forward).")

    func run() async throws {
        throw ValidationError("'fwdlab agent' is not implemented yet")
    }
}
