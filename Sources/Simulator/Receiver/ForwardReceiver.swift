import ForwardProtocol
import ForwardServer
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A fake in_forward: a `ForwardServer` whose sink is an `EventLedger` of everything it accepted.
/// Start it with `ForwardReceiver.start(_:group:)`, read `port`, stop it with `stop()`. `crash()` and
/// `restart(_:)` replace the server on the same port while the ledger lives on, so the ledger holds
/// everything the receiver accepted over the whole run.
public final class ForwardReceiver: Sendable {
    /// The receiver's name (settings.name).
    public let name: String
    /// The bound TCP (and UDP) port, the same after every restart.
    public let port: Int
    /// The bound address.
    public var localAddress: SocketAddress { server.localAddress }
    /// Everything accepted, and every rejection, across restarts.
    public let ledger: EventLedger
    /// Live counters of the current server (a restart starts them from zero).
    public var stats: ReceiverStats { server.stats }
    public var settings: ReceiverSettings { server.settings }

    private let group: any EventLoopGroup
    /// The newest server (still set, stopped, while crashed: its counters stay readable).
    private let state: NIOLockedValueBox<(server: ForwardServer, running: Bool)>

    /// The current (or, while crashed, the last) server.
    var server: ForwardServer { state.withLockedValue { $0.server } }
    /// False between `crash()` and `restart(_:)`.
    public var isRunning: Bool { state.withLockedValue { $0.running } }

    private init(server: ForwardServer, ledger: EventLedger, group: any EventLoopGroup) {
        self.state = NIOLockedValueBox((server, true))
        self.name = server.settings.name
        self.port = server.port
        self.ledger = ledger
        self.group = group
    }

    /// Binds TCP (TLS when configured) and UDP on `settings.bind`:`settings.port` (0 = ephemeral;
    /// UDP then takes the same number) and starts serving.
    public static func start(_ settings: ReceiverSettings,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> ForwardReceiver {
        try settings.validate()
        let ledger = try EventLedger(receiverName: settings.name, settings: settings.ledger)
        let server: ForwardServer
        do {
            server = try await ForwardServer.start(settings, sink: ledger, group: group)
        } catch {
            ledger.close()
            throw error
        }
        return ForwardReceiver(server: server, ledger: ledger, group: group)
    }

    /// Dies like a killed process: listeners and every connection closed (RST with the default linger 0).
    /// The ledger stays open for `restart(_:)`.
    public func crash() async {
        let (server, wasRunning) = state.withLockedValue { s in
            defer { s.running = false }
            return (s.server, s.running)
        }
        if wasRunning { await server.kill() }
    }

    /// Serves again on the same port into the same ledger, with `settings` when given (e.g. another TLS
    /// profile; its name, bind and port are ignored). Crashes first when running.
    public func restart(_ settings: ReceiverSettings? = nil) async throws {
        await crash()
        var s = settings ?? self.settings
        s.name = name
        s.bind = self.settings.bind
        s.port = port
        let server = try await ForwardServer.start(s, sink: ledger, group: group)
        state.withLockedValue { $0 = (server, true) }
    }

    /// Stops listening, closes every connection, and flushes the ledger file.
    public func stop() async {
        await crash()
        ledger.close()
        settings.logger.info("receiver stopped", metadata: ["summary": .string(stats.snapshot().description)])
    }
}
