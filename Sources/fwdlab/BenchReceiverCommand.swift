import ArgumentParser

/// `fwdlab bench receiver`: Receiver ingest of PackedForward chunks with acks over loopback. (not implemented yet)
struct BenchReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "receiver", abstract: "Receiver ingest of PackedForward chunks with acks over loopback.")

    func run() async throws {
        throw ValidationError("'fwdlab bench receiver' is not implemented yet")
    }
}
