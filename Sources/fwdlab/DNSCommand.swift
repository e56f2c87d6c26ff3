import ArgumentParser
import Foundation
import Logging
import Simulator

/// `fwdlab dns`: run the simulator's authoritative DNS server standalone from a zone YAML file.
struct DNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Run a fake authoritative DNS server (UDP+TCP) from a zone YAML file.",
        discussion: """
            Serves A/AAAA answer sets, TTLs and per-name behaviours (nxdomain, servfail, refused, drop, \
            delay_ms, rotate, truncate_udp) from --zone. Send SIGHUP to reload the file, SIGINT/SIGTERM to stop. \
            Point the agent at it with `dns_resolver 127.0.0.1:PORT` in <system>.
            """)

    @Option(help: "Zone YAML file (names → addresses, ttl, behaviour).")
    var zone: String

    @Option(help: "UDP and TCP port; 0 picks a free one.")
    var port: Int = 5353

    @Option(name: .customLong("bind"), help: "Address to bind (repeatable); default 127.0.0.1.")
    var bind: [String] = []

    @Option(help: "Write the query log as JSON lines to this file on exit.")
    var queryLog: String?

    @Flag(help: "Do not print each query.")
    var quiet = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
    }

    func run() async throws {
        let file: DNSZoneFile
        do {
            file = try DNSZoneFile.load(path: zone)
        } catch {
            throw ValidationError("\(error)")
        }
        var logger = Logger(label: "fwdlab.dns")
        logger.logLevel = quiet ? .info : .debug
        let authority = file.makeAuthority()
        // Signals are caught before the port opens: a caller that waits for the port and then signals must not
        // find the default action disabled with no handler yet (the signal would be lost).
        let signals = SignalStream.signals([SIGHUP, SIGINT, SIGTERM])
        let server = try await DNSServer.start(
            authority: authority, configuration: DNSServerConfiguration(hosts: bind.isEmpty ? ["127.0.0.1"] : bind, port: port, logger: logger))
        let names = file.names.keys.map(\.description).sorted().joined(separator: ", ")
        let hosts = (bind.isEmpty ? ["127.0.0.1"] : bind).joined(separator: ", ")
        FileHandle.standardError.write(Data("fwdlab dns: serving \(names) on \(hosts) port \(server.port) (UDP and TCP)\n".utf8))

        for await signal in signals {
            if signal == SIGHUP {
                do {
                    try DNSZoneFile.load(path: zone).apply(to: authority)
                    logger.info("zone reloaded", metadata: ["file": "\(zone)"])
                } catch {
                    logger.error("zone reload failed; keeping the old zone", metadata: ["error": "\(error)"])
                }
                continue
            }
            break
        }
        await server.stop()
        let log = authority.queryLog
        if let queryLog {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var text = ""
            for entry in log { text += String(decoding: try encoder.encode(entry), as: UTF8.self) + "\n" }
            try text.write(toFile: queryLog, atomically: true, encoding: .utf8)
        }
        FileHandle.standardError.write(Data("fwdlab dns: \(log.count) queries answered or dropped\n".utf8))
    }
}
