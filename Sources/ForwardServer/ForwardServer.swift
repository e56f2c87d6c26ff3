import ForwardProtocol
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// An in_forward server: TCP (or TLS) and UDP heartbeats on one port, the `<security>` handshake, Fluentd's
/// message rules and acks, handing every accepted request to a `ForwardIngestSink`. The simulator's receivers
/// and the agent's `<source> @type forward` input are both this server with different sinks.
public final class ForwardServer: Sendable {
    /// The bound TCP (and UDP) port.
    public let port: Int
    /// The bound address.
    public let localAddress: SocketAddress
    /// Live counters.
    public var stats: ReceiverStats { core.stats }
    public var settings: ReceiverSettings { core.settings }

    let core: ForwardServerCore
    private let server: Channel
    private let udp: Channel?

    private init(core: ForwardServerCore, server: Channel, udp: Channel?, port: Int, localAddress: SocketAddress) {
        self.core = core
        self.server = server
        self.udp = udp
        self.port = port
        self.localAddress = localAddress
    }

    /// Binds TCP (TLS when configured) and UDP on `settings.bind`:`settings.port` (0 = ephemeral; UDP then
    /// takes the same number) and starts serving into `sink`.
    public static func start(_ settings: ReceiverSettings, sink: any ForwardIngestSink,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> ForwardServer {
        try settings.validate()
        let tlsContext = try settings.tls.map { try ReceiverTLSContextFactory.makeContext($0, logger: settings.logger) }
        let core = ForwardServerCore(settings: settings, sink: sink, tlsContext: tlsContext)

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
        settings.logger.info("listening port", metadata: [
            "address": .string("\(settings.bind):\(port)"), "tls": .stringConvertible(tlsContext != nil),
            "security": .stringConvertible(settings.security != nil)])
        return ForwardServer(core: core, server: server, udp: udp, port: port, localAddress: local)
    }

    /// The connections open now (for faults that act on live connections).
    public func openChannels() -> [Channel] { core.openChannels() }

    /// Stops listening and closes every connection.
    public func stop() async {
        try? await server.close()
        try? await udp?.close()
        for channel in core.openChannels() {
            try? await channel.close()
        }
    }
}
