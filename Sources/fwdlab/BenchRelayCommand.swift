import ArgumentParser

/// `fwdlab bench relay`: Agent relay throughput: forward input to out_forward with acks to a receiver. (not implemented yet)
struct BenchRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "relay", abstract: "Agent relay throughput: forward input to out_forward with acks to a receiver.")

    func run() async throws {
        throw ValidationError("'fwdlab bench relay' is not implemented yet")
    }
}
