import ArgumentParser
import ForwardServer
import Foundation
import Logging
import Scenarios
import Simulator

#if canImport(Glibc)
import Glibc
#endif

/// `fwdlab bench receiver`: receiver ingest of PackedForward chunks with acks over loopback.
struct BenchReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiver",
        abstract: "Receiver ingest of PackedForward chunks with acks over loopback (build with -c release).")

    @Option(help: "Seconds of sending.")
    var seconds: Double = 5

    @Option(help: "Client connections.")
    var connections: Int = 2

    @Option(name: .customLong("record-size"), help: "Encoded record size in bytes.")
    var recordSize: Int = 1024

    @Option(help: "Events per chunk.")
    var batch: Int = 1000

    @Option(help: "Chunks in flight per connection (1 = wait for each ack).")
    var pipeline: Int = 2

    @Flag(name: .customLong("no-store"), help: "Count events only (do not keep them in the in-memory ledger).")
    var noStore = false

    func run() async throws {
        guard seconds > 0, connections > 0, recordSize >= 32, batch > 0, pipeline > 0 else {
            throw ValidationError("seconds, connections, batch and pipeline must be positive; record-size ≥ 32")
        }
        var settings = ReceiverSettings(name: "bench")
        settings.logger.logLevel = .warning
        settings.tcpNoDelay = true
        settings.ledger.storeEvents = !noStore
        let receiver = try await ForwardReceiver.start(settings)
        var load = ForwardLoadSettings(port: receiver.port, connections: connections, recordSize: recordSize,
                                       batch: batch, pipelineDepth: pipeline)
        load.duration = .milliseconds(Int64(seconds * 1000))
        let before = ProcessFigures.cpuSeconds()
        let result = try await ForwardLoadClient.run(load)
        let cpu = ProcessFigures.cpuSeconds() - before
        await receiver.stop()
        let stats = receiver.stats.snapshot()
        let elapsed = max(result.elapsedSeconds, 1e-9)
        let events = Double(stats.events)
        print("bench receiver: \(connections) connection(s), \(batch) × \(recordSize)-byte records per chunk, pipeline \(pipeline), \(String(format: "%.2f", elapsed)) s")
        print(String(format: "  events/s      %12.0f", events / elapsed))
        print(String(format: "  MB/s          %12.1f", Double(stats.bytesRead) / elapsed / 1e6))
        print(String(format: "  acks/s        %12.0f", Double(stats.acks) / elapsed))
        print(String(format: "  CPU s / 1M ev %12.3f  (process user+sys %.2f s, client and receiver together)", cpu / max(events, 1) * 1e6, cpu))
        print("  events \(stats.events), acks \(stats.acks), ack mismatches \(result.ackMismatches), failed connections \(result.failedConnections), ledger \(receiver.ledger.count)")
        if result.ackMismatches > 0 || result.failedConnections > 0 || stats.events != result.eventsAcked {
            throw ValidationError("benchmark run was not clean: \(result)")
        }
    }
}
