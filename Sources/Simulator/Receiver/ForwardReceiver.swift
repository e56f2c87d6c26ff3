import ForwardProtocol
import Logging
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fake in_forward: TCP (or TLS) and UDP on one port, acks, handshake, and a ledger of everything
/// it accepted. Start it with `ForwardReceiver.start(_:group:)`, read `port`, stop it with `stop()`.
public final class ForwardReceiver: Sendable {
    /// The receiver's name (settings.name).
    public let name: String
    /// The bound TCP (and UDP) port.
    public let port: Int
    /// The bound address.
    public let localAddress: SocketAddress
    /// Everything accepted, and every rejection.
    public let ledger: EventLedger
    /// Live counters.
    public var stats: ReceiverStats { core.stats }
    public var settings: ReceiverSettings { core.settings }

    let core: ReceiverCore
    private let server: Channel
    private let udp: Channel?

    private init(core: ReceiverCore, server: Channel, udp: Channel?, port: Int, localAddress: SocketAddress) {
        self.core = core
        self.name = core.settings.name
        self.ledger = core.ledger
        self.server = server
        self.udp = udp
        self.port = port
        self.localAddress = localAddress
    }

    /// Binds TCP (TLS when configured) and UDP on `settings.bind`:`settings.port` (0 = ephemeral;
    /// UDP then takes the same number) and starts serving.
    public static func start(_ settings: ReceiverSettings,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> ForwardReceiver {
        try settings.validate()
        let tlsContext = try settings.tls.map { try ReceiverTLSContextFactory.makeContext($0, logger: settings.logger) }
        let ledger = try EventLedger(receiverName: settings.name, settings: settings.ledger)
        let core = ReceiverCore(settings: settings, ledger: ledger, tlsContext: tlsContext)

        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.recvAllocator,
                                value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 16384, maximum: 1 << 20))
        if let backlog = settings.backlog {
            bootstrap = bootstrap.serverChannelOption(ChannelOptions.backlog, value: Int32(backlog))
        }
        if settings.sendKeepalivePacket {
            bootstrap = bootstrap.childChannelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
        }
        if settings.tcpNoDelay {
            bootstrap = bootstrap.childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
        }
        let linger = settings.lingerTimeout
        bootstrap = bootstrap.childChannelInitializer { channel in
            // SO_LINGER {on, n} on accepted sockets (§10.1): with 0, close sends RST.
            let lingerSet: EventLoopFuture<Void>
            if let linger, let provider = channel as? SocketOptionProvider {
                lingerSet = provider.setSoLinger(NIOLinger(l_onoff: 1, l_linger: Int32(linger)))
            } else {
                lingerSet = channel.eventLoop.makeSucceededVoidFuture()
            }
            return lingerSet.flatMap {
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tlsContext = core.tlsContext {
                        try sync.addHandler(NIOSSLServerHandler(context: tlsContext))
                    }
                    try sync.addHandler(ForwardConnectionHandler(core: core, isTLS: core.tlsContext != nil))
                }
            }
        }
        let server: Channel
        do {
            server = try await bootstrap.bind(host: settings.bind, port: settings.port).get()
        } catch {
            throw ReceiverError.io("cannot bind TCP \(settings.bind):\(settings.port): \(error)")
        }
        guard let local = server.localAddress, let port = local.port else {
            try? await server.close()
            throw ReceiverError.io("bound TCP socket has no local address")
        }
        var udp: Channel?
        if settings.udpHeartbeat {
            do {
                udp = try await DatagramBootstrap(group: group)
                    .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                    .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: UDPHeartbeat.serverReadLength))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(UDPHeartbeatHandler(core: core))
                        }
                    }
                    .bind(host: settings.bind, port: port).get()
            } catch {
                try? await server.close()
                throw ReceiverError.io("cannot bind UDP \(settings.bind):\(port): \(error)")
            }
        }
        settings.logger.info("receiver listening", metadata: [
            "address": .string("\(settings.bind):\(port)"), "tls": .stringConvertible(tlsContext != nil),
            "security": .stringConvertible(settings.security != nil)])
        return ForwardReceiver(core: core, server: server, udp: udp, port: port, localAddress: local)
    }

    /// Stops listening, closes every connection, and flushes the ledger file.
    public func stop() async {
        try? await server.close()
        try? await udp?.close()
        for channel in core.openChannels() {
            try? await channel.close()
        }
        ledger.close()
        core.logger.info("receiver stopped", metadata: ["summary": .string(stats.snapshot().description)])
    }
}
