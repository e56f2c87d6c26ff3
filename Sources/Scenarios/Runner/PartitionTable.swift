import Foundation

/// Loopback partitions with nftables (root): one table per run; a partition drops every TCP/UDP packet to or
/// from a receiver's port, heal removes those rules, teardown deletes the table.
final class PartitionTable: Sendable {
    let table: String

    init(runID: String) {
        table = "fwdlab_run_" + runID.filter { $0.isLetter || $0.isNumber }
    }

    static var isAvailable: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: nftPath) }
    static var nftPath: String {
        ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/nft"
    }

    func partition(port: Int) throws {
        try ensureTable()
        let chain = "p\(port)"
        try nft(["add", "chain", "inet", table, chain, "{ type filter hook input priority -150 ; policy accept ; }"])
        for rule in ["tcp dport \(port) drop", "tcp sport \(port) drop", "udp dport \(port) drop", "udp sport \(port) drop"] {
            try nft(["add", "rule", "inet", table, chain] + rule.split(separator: " ").map(String.init))
        }
    }

    func heal(port: Int) throws {
        try nft(["delete", "chain", "inet", table, "p\(port)"])
    }

    /// Removes the table (idempotent; errors ignored).
    func teardown() {
        _ = try? nft(["delete", "table", "inet", table])
    }

    private func ensureTable() throws {
        try nft(["add", "table", "inet", table])
    }

    @discardableResult
    private func nft(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.nftPath)
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw ScenarioRunError.environment("nft \(args.joined(separator: " ")): \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return text
    }
}
