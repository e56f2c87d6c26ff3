import ArgumentParser
import Capture
import Foundation

/// `fwdlab pcap`: decode forward-protocol traffic from capture files.
struct PcapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcap",
        abstract: "Inspect forward-protocol traffic in captures.",
        subcommands: [PcapInspectCommand.self, PcapHeartbeatsCommand.self]
    )
}

/// `fwdlab pcap inspect FILE`: per-node figures, acks, heartbeats, connections, failover gaps, timeline.
struct PcapInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Decode every forward message in a capture and print figures and a wire timeline."
    )

    @Argument(help: "A pcap or pcapng file (EN10MB, LINUX_SLL, LINUX_SLL2 or NULL/LOOP link types).")
    var file: String

    @Flag(help: "Print the report as JSON instead of text.")
    var json = false

    @Option(help: "The receivers' port (TCP and UDP). Default: every port that accepted a SYN.")
    var port: [UInt16] = []

    @Option(help: "At most this many timeline lines in the text output.")
    var timelineLines = 10_000

    @Flag(help: "Count PackedForward events from the 'size' option instead of walking every entry (faster).")
    var trustSizeOption = false

    func run() async throws {
        var options = WireAnalyzer.Options()
        if !port.isEmpty { options.serverPorts = Set(port) }
        options.countPackedEntries = !trustSizeOption
        let report: WireReport
        do {
            report = try WireAnalyzer.inspect(path: file, options: options)
        } catch {
            throw ValidationError("\(file): \(error)")
        }
        if json {
            FileHandle.standardOutput.write(try report.jsonData())
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            print(report.renderText(timelineLines: timelineLines))
        }
    }
}

/// `fwdlab pcap heartbeats FILE --node IP:PORT`: heartbeat arrival times, the tuning engine's trace format.
struct PcapHeartbeatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heartbeats",
        abstract: "Export heartbeat arrival times at the agent (UDP replies, successful transport heartbeats) as a trace for 'fwdlab tune --trace'."
    )

    @Argument(help: "A pcap or pcapng file.")
    var file: String

    @Option(help: "The node as IP:PORT (default: the first node with heartbeats).")
    var node: String?

    @Option(help: "The receivers' port (TCP and UDP).")
    var port: [UInt16] = []

    func run() async throws {
        var options = WireAnalyzer.Options()
        if !port.isEmpty { options.serverPorts = Set(port) }
        options.timelineLimit = Int.max
        let report = try WireAnalyzer.inspect(path: file, options: options)
        let arrivals = report.timeline.entries.filter {
            ($0.kind == .udpHeartbeatReply || $0.kind == .transportHeartbeat)
                && (node == nil || $0.node.map { "\($0)" } == node)
        }
        guard let first = arrivals.first else {
            throw ValidationError("\(file): no heartbeat arrivals\(node.map { " for node \($0)" } ?? "")")
        }
        let chosen = node ?? first.node.map { "\($0)" }
        print("# heartbeat arrivals (seconds since the epoch) at node \(chosen ?? "?") from \(file)")
        for entry in arrivals where entry.node.map({ "\($0)" }) == chosen {
            print(String(format: "%.6f", Double(entry.timeNanos) / 1e9))
        }
    }
}
