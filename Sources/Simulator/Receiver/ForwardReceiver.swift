import ForwardProtocol
@_exported import ForwardServer
import Logging
import NIOCore
import NIOPosix

/// A fake in_forward: a `ForwardServer` whose sink is an `EventLedger` of everything it accepted.
/// Start it with `ForwardReceiver.start(_:group:)`, read `port`, stop it with `stop()`.
public final class ForwardReceiver: Sendable {
    /// The receiver's name (settings.name).
    public let name: String
    /// The bound TCP (and UDP) port.
    public var port: Int { server.port }
    /// The bound address.
    public var localAddress: SocketAddress { server.localAddress }
    /// Everything accepted, and every rejection.
    public let ledger: EventLedger
    /// Live counters.
    public var stats: ReceiverStats { server.stats }
    public var settings: ReceiverSettings { server.settings }

    let server: ForwardServer

    private init(server: ForwardServer, ledger: EventLedger) {
        self.server = server
        self.name = server.settings.name
        self.ledger = ledger
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
        return ForwardReceiver(server: server, ledger: ledger)
    }

    /// Stops listening, closes every connection, and flushes the ledger file.
    public func stop() async {
        await server.stop()
        ledger.close()
        settings.logger.info("receiver stopped", metadata: ["summary": .string(stats.snapshot().description)])
    }
}
