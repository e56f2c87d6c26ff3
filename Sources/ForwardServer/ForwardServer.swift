import ForwardProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// An in_forward server: TCP (or TLS) and UDP heartbeats on one port, the `<security>` handshake, Fluentd's
/// message rules and acks, handing every accepted request to a `ForwardIngestSink`. The simulator's receivers
/// and the agent's `<source> @type forward` input are both this server with different sinks.
public final class ForwardServer: Sendable {
    /// The bound TCP (and UDP) port (kept when the listener is closed and opened again).
    public let port: Int
    /// The bound address.
    public let localAddress: SocketAddress
    /// Live counters.
    public var stats: ReceiverStats { core.stats }
    public var settings: ReceiverSettings { core.settings }

    let core: ForwardServerCore
    private let group: any EventLoopGroup
    /// The listening sockets; nil while closed by `closeListener()`.
    private let listeners: NIOLockedValueBox<Listeners>

    private struct Listeners {
        var tcp: Channel?
        var udp: Channel?
    }

    private init(core: ForwardServerCore, group: any EventLoopGroup, tcp: Channel, udp: Channel?, port: Int, localAddress: SocketAddress) {
        self.core = core
        self.group = group
        self.listeners = NIOLockedValueBox(Listeners(tcp: tcp, udp: udp))
        self.port = port
        self.localAddress = localAddress
    }

    /// Binds TCP (TLS when configured) and UDP on `settings.bind`:`settings.port` (0 = ephemeral; UDP then
    /// takes the same number) and starts serving into `sink`.
    public static func start(_ settings: ReceiverSettings, sink: any ForwardIngestSink,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> ForwardServer {
        try settings.validate()
        let tlsContext = try settings.tls.map { try ReceiverTLSContextFactory.makeContext($0, profile: settings.profile, logger: settings.logger) }
        let core = ForwardServerCore(settings: settings, sink: sink, tlsContext: tlsContext)
        // With port 0 the kernel picks a free TCP port, but the same UDP number may be taken (another process's
        // client socket): then try another ephemeral port, a bounded number of times.
        let attempts = settings.port == 0 && settings.udpHeartbeat ? 20 : 1
        var bound: (tcp: Channel, udp: Channel?, port: Int, local: SocketAddress)?
        for attempt in 1 ... attempts {
            let server = try await bindTCP(core: core, group: group, port: settings.port)
            guard let local = server.localAddress, let port = local.port else {
                try? await server.close()
                throw ReceiverError.io("bound TCP socket has no local address")
            }
            guard settings.udpHeartbeat else {
                bound = (server, nil, port, local)
                break
            }
            do {
                bound = (server, try await bindUDP(core: core, group: group, port: port), port, local)
                break
            } catch {
                try? await server.close()
                if attempt == attempts { throw error }
            }
        }
        guard let (server, udp, port, local) = bound else { throw ReceiverError.io("no port could be bound") }
        settings.logger.info("listening port", metadata: [
            "address": .string("\(settings.bind):\(port)"), "tls": .stringConvertible(tlsContext != nil),
            "security": .stringConvertible(settings.security != nil)])
        return ForwardServer(core: core, group: group, tcp: server, udp: udp, port: port, localAddress: local)
    }

    private static func bindTCP(core: ForwardServerCore, group: any EventLoopGroup, port: Int) async throws -> Channel {
        let settings = core.settings
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.recvAllocator,
                                value: AdaptiveRecvByteBufferAllocator(minimum: min(1024, settings.readBufferLimit), initial: min(16384, settings.readBufferLimit),
                                                                      maximum: settings.readBufferLimit))
        if let backlog = settings.backlog {
            bootstrap = bootstrap.serverChannelOption(ChannelOptions.backlog, value: Int32(backlog))
        }
        if settings.sendKeepalivePacket {
            bootstrap = bootstrap.childChannelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
        }
        if settings.tcpNoDelay {
            bootstrap = bootstrap.childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
        }
        let linger = settings.lingerTimeout
        bootstrap = bootstrap.childChannelInitializer { channel in
            // SO_LINGER {on, n} on accepted sockets (docs/forward-protocol.md, "Server socket options"): with 0, close sends RST.
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
        do {
            return try await bootstrap.bind(host: settings.bind, port: port).get()
        } catch {
            throw ReceiverError.io("cannot bind TCP \(settings.bind):\(port): \(error)")
        }
    }

    private static func bindUDP(core: ForwardServerCore, group: any EventLoopGroup, port: Int) async throws -> Channel {
        do {
            return try await DatagramBootstrap(group: group)
                .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: UDPHeartbeat.serverReadLength))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPHeartbeatHandler(core: core))
                    }
                }
                .bind(host: core.settings.bind, port: port).get()
        } catch {
            throw ReceiverError.io("cannot bind UDP \(core.settings.bind):\(port): \(error)")
        }
    }

    /// The connections open now (for faults that act on live connections).
    public func openChannels() -> [Channel] { core.openChannels() }

    /// Whether the TCP listener is open (false between `closeListener()` and `reopenListener()`).
    public var isListening: Bool { listeners.withLockedValue { $0.tcp != nil } }

    /// Closes only the listening sockets: new connects get ECONNREFUSED, open connections keep working.
    /// The UDP heartbeat socket is closed too unless `keepingUDP`: a port nobody listens on answers
    /// heartbeats with ICMP port-unreachable, so an agent's UDP heartbeat sees the same outage as its connect.
    public func closeListener(keepingUDP: Bool = false) async {
        if await closeSockets(keepingUDP: keepingUDP) {
            settings.logger.info("listener closed", metadata: ["port": .stringConvertible(port)])
        }
    }

    /// Closes the listening sockets; true when the TCP listener was open.
    private func closeSockets(keepingUDP: Bool) async -> Bool {
        let (tcp, udp) = listeners.withLockedValue { l -> (Channel?, Channel?) in
            let closing = (l.tcp, keepingUDP ? nil : l.udp)
            l.tcp = nil
            if !keepingUDP { l.udp = nil }
            return closing
        }
        try? await tcp?.close()
        try? await udp?.close()
        return tcp != nil
    }

    /// Binds the listening sockets closed by `closeListener()` again, on the same port.
    public func reopenListener() async throws {
        let (needTCP, needUDP) = listeners.withLockedValue { ($0.tcp == nil, $0.udp == nil && settings.udpHeartbeat) }
        if needTCP {
            let tcp = try await Self.bindTCP(core: core, group: group, port: port)
            listeners.withLockedValue { $0.tcp = tcp }
        }
        if needUDP {
            let udp = try await Self.bindUDP(core: core, group: group, port: port)
            listeners.withLockedValue { $0.udp = udp }
        }
        settings.logger.info("listening again", metadata: ["port": .stringConvertible(port)])
    }

    /// Stops listening and closes every connection.
    public func stop() async {
        _ = await closeSockets(keepingUDP: false)
        for channel in core.openChannels() {
            try? await channel.close()
        }
    }

    /// Dies like a killed process: from now on nothing more is read, accepted or answered (bytes the kernel still
    /// holds are discarded, as a SIGKILL's kernel does), then listeners and connections close (RST with the default
    /// linger 0). Safe to call on a server whose event loop is about to run again after a freeze: whatever it
    /// processes first is dropped.
    public func kill() async {
        markKilled()
        await stop()
    }

    /// The first half of `kill()`, for a caller that must let a frozen event loop run before the sockets can close.
    public func markKilled() {
        core.killed.store(true, ordering: .relaxed)
    }
}
