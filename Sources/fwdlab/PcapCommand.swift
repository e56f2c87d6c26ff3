import ArgumentParser

/// `fwdlab pcap`: Inspect forward-protocol traffic in captures. (not implemented yet)
struct PcapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pcap", abstract: "Inspect forward-protocol traffic in captures.")

    func run() async throws {
        throw ValidationError("'fwdlab pcap' is not implemented yet")
    }
}
