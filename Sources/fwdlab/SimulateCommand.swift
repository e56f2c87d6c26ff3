import ArgumentParser
import Foundation
import Logging
import Simulator

#if canImport(Glibc)
import Glibc
#endif

/// `fwdlab simulate`: runs the receivers of a topology YAML with faults and an HTTP/JSON control API.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run several receivers from a topology file with a fault-control HTTP API.",
        discussion: "See docs/faults.md for the topology schema, the fault catalogue and the API.")

    @Option(name: .long, help: "Topology YAML file.")
    var config: String

    @Option(name: .long, help: "Control API address host:port (default: the topology's 'control', else 127.0.0.1:8474; port 0 = ephemeral).")
    var control: String?

    @Option(name: .long, help: "Seed for every fault's random stream (overrides the topology's).")
    var seed: UInt64?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level '\(logLevel)'") }
        var topology: Topology
        do {
            topology = try TopologyLoader.load(path: config)
        } catch let e as TopologyError {
            throw ValidationError(e.description)
        }
        if let seed { topology.seed = seed }
        for i in topology.receivers.indices {
            var logger = Logger(label: "fwdlab.receiver.\(topology.receivers[i].settings.name)",
                                factory: { StreamLogHandler.standardError(label: $0) })
            logger.logLevel = level
            logger[metadataKey: "receiver"] = .string(topology.receivers[i].settings.name)
            topology.receivers[i].settings.logger = logger
        }
        let address = control ?? topology.control ?? "127.0.0.1:8474"
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0 ... 65535).contains(port) else {
            throw ValidationError("--control must be host:port, got '\(address)'")
        }
        let host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))

        var logger = Logger(label: "fwdlab.simulate", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = level
        let controller = try SimulationController(topology: topology, logger: logger)
        try await controller.start()
        let server: ControlHTTPServer
        do {
            server = try await ControlHTTPServer.start(host: host, port: port, router: ControlRouter(controller: controller))
        } catch {
            await controller.stop()
            throw ValidationError("cannot bind the control API on \(address): \(error)")
        }
        for status in await controller.statuses() {
            print("receiver \(status.name) \(status.bind):\(status.port) \(status.tls ? "tls" : "tcp")\(status.udpHeartbeat ? "+udp" : "") "
                + "faults=\(status.faults.map(\.spec.name).joined(separator: ","))")
        }
        if let ca = controller.tlsMaterial?.caPath { print("test CA \(ca)") }
        print("seed \(controller.seed)")
        print("control http://\(host):\(server.port)")
        fflush(nil) // all streams: stdout may be a pipe (fully buffered)

        await Self.waitForSignal()
        print("stopping")
        await server.stop()
        await controller.stop()
    }

    /// Returns on SIGINT or SIGTERM.
    static func waitForSignal() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let queue = DispatchQueue(label: "fwdlab.simulate.signals")
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            var sources: [DispatchSourceSignal] = []
            for sig in [SIGINT, SIGTERM] {
                let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                source.setEventHandler {
                    if once.claim() { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
            // Keep the sources alive for the process lifetime (the command exits after the signal).
            SignalSources.keep(sources)
        }
    }
}

/// True exactly once, from any thread.
private final class OnceFlag: @unchecked Sendable {
    // @unchecked: `done` is only touched under `lock`.
    private let lock = NSLock()
    private var done = false
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}

/// Holds signal sources so they are not cancelled by deallocation.
private enum SignalSources {
    nonisolated(unsafe) static var kept: [DispatchSourceSignal] = []
    static func keep(_ s: [DispatchSourceSignal]) { kept += s }
}
