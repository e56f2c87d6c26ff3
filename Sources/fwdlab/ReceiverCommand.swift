import Agent
import ArgumentParser
import Dispatch
import ForwardProtocol
import ForwardServer
import Foundation
import Logging
import Simulator

/// `fwdlab receiver`: run a wire-exact fake in_forward until SIGINT/SIGTERM, then print a summary.
struct ReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiver",
        abstract: "Run a wire-exact fake in_forward receiver (TCP/TLS + UDP heartbeat on one port).")

    @Option(help: "TCP and UDP port (default: the config's, else 24224).")
    var port: Int?

    @Option(help: "Bind address (default: the config's, else 0.0.0.0).")
    var bind: String?

    @Option(help: "An in_forward configuration file: a <source> with @type forward.")
    var config: String?

    @Option(help: "Receiver name, reported in logs and the ledger.")
    var name: String = "receiver"

    @Option(help: "Stream every accepted event as a JSON line to this file.")
    var ledger: String?

    @Flag(name: .customLong("ledger-sync"), help: "Write each request's ledger lines before acking it (a SIGKILL then loses nothing acked).")
    var ledgerSync = false

    @Option(name: .customLong("seq-field"), help: "Record field holding the sender's sequence number.")
    var seqField: String = "seq"

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(name: .customLong("fluentd-version"), help: "Behave as this in_forward release where releases differ: 1.16 (default), 1.18 or 1.19 (docs/fluentd-model.md).")
    var fluentdVersion: String = FluentdReleaseProfile.default.rawValue

    @Flag(name: .customLong("graceful-handshake-close"), help: "Close failed handshakes with FIN instead of RST (quirk 12 in docs/quirks.md).")
    var gracefulHandshakeClose = false

    @Option(help: "Serve GET /metrics (fwdlab simulate's fwdlab_receiver_* series) on HOST:PORT, e.g. 127.0.0.1:9464 (port 0: any).")
    var metrics: String?

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level '\(logLevel)'")
        }
        var logger = Logger(label: "fwdlab.receiver.\(name)", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = level
        logger[metadataKey: "receiver"] = .string(name)

        guard let profile = FluentdReleaseProfile(name: fluentdVersion) else {
            throw ValidationError("--fluentd-version: " + FluentdReleaseProfile.invalidNameMessage(fluentdVersion))
        }
        var base = ReceiverSettings(name: name, bind: "0.0.0.0", port: 24224)
        base.adopt(profile)
        base.logger = logger
        base.ledger.sequenceField = seqField
        base.ledger.jsonLinesPath = ledger
        base.ledger.jsonLinesSynchronous = ledgerSync
        // A long-running CLI receiver keeps counts and the JSON-lines stream, not every event in memory.
        base.ledger.storeEvents = false
        var settings = base
        if let config {
            do {
                let loaded = try ReceiverConfigLoader.load(path: config, base: base)
                settings = loaded.settings
                for note in loaded.notes { logger.notice("\(note)") }
            } catch {
                throw ValidationError("\(error)")
            }
        }
        if let port { settings.port = port }
        if let bind { settings.bind = bind }
        if gracefulHandshakeClose { settings.gracefulHandshakeClose = true }

        let metricsAddress = try metrics.map { text in
            guard let a = HostPort.parse(text), (0 ... 65535).contains(a.port) else {
                throw ValidationError("--metrics must be HOST:PORT, got '\(text)'")
            }
            return a
        }

        // Caught before the port opens, so a signal sent once it accepts is never lost (see DNSCommand).
        let signals = SignalStream.signals([SIGINT, SIGTERM])
        let receiver = try await ForwardReceiver.start(settings)
        FileHandle.standardError.write(Data("fwdlab receiver '\(name)' listening on \(settings.bind):\(receiver.port) (TCP\(settings.tls != nil ? "+TLS" : "") and UDP)\n".utf8))
        var metricsServer: MonitorHTTPServer?
        if let a = metricsAddress {
            let served = settings
            do {
                metricsServer = try await MonitorHTTPServer.start(bind: a.host, port: a.port, path: "/metrics", page: { _ in
                    ("text/plain; version=0.0.4", ReceiverMetrics.exposition(receiver: receiver, settings: served))
                })
            } catch {
                await receiver.stop()
                throw ValidationError("cannot serve --metrics on \(a): \(error)")
            }
            let shown = HostPort(host: a.host, port: metricsServer?.port ?? a.port)
            FileHandle.standardError.write(Data("fwdlab receiver '\(name)' metrics on http://\(shown)/metrics\n".utf8))
        }
        for await _ in signals { break }
        await metricsServer?.close()
        await receiver.stop()
        let s = receiver.stats.snapshot()
        let reasons = receiver.ledger.rejectionCountsByReason().sorted { $0.key.rawValue < $1.key.rawValue }
            .map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " ")
        print("receiver \(name): events=\(s.events) requests=\(s.requests) acks=\(s.acks) rejects=\(s.rejects)"
            + (reasons.isEmpty ? "" : " (\(reasons))")
            + " connections=\(s.connectionsAccepted) heartbeats=\(s.heartbeats) bytes=\(s.bytesRead)")
    }
}
