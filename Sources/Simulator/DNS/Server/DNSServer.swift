import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small authoritative DNS server over UDP and TCP, answering from a `DNSAuthority`.
public final class DNSServer: Sendable {
    /// The data it serves; change it on cue while the server runs.
    public let authority: DNSAuthority
    /// The port UDP and TCP listen on.
    public let port: Int
    /// Bound addresses (one UDP and one TCP socket per host).
    public let localAddresses: [SocketAddress]
    private let channels: [any Channel]

    private init(authority: DNSAuthority, port: Int, channels: [any Channel]) {
        self.authority = authority
        self.port = port
        self.channels = channels
        localAddresses = channels.compactMap(\.localAddress)
    }

    /// "host:port" of the first bound address, the form `dns_resolver` and c-ares take ("[::1]:53" for IPv6).
    public var nameserver: String {
        guard let first = localAddresses.first else { return "" }
        return Self.describe(first)
    }

    /// Binds UDP and TCP on every configured host. With port 0, one ephemeral port is picked for all
    /// sockets; a clash with another process on that number is retried with a new one.
    public static func start(
        authority: DNSAuthority, configuration: DNSServerConfiguration = DNSServerConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> DNSServer {
        let responder = DNSResponder(authority: authority, logger: configuration.logger)
        let hosts = configuration.hosts.isEmpty ? ["127.0.0.1"] : configuration.hosts
        var lastError: (any Error)?
        for _ in 0..<(configuration.port == 0 ? 8 : 1) {
            var bound: [any Channel] = []
            do {
                var port = configuration.port
                for host in hosts {
                    let udp = try await bindUDP(host: host, port: port, responder: responder, group: group)
                    bound.append(udp)
                    if port == 0 { port = udp.localAddress?.port ?? 0 }
                    bound.append(try await bindTCP(host: host, port: port, responder: responder, group: group))
                }
                configuration.logger.info("DNS server listening", metadata: ["port": "\(port)", "hosts": "\(hosts)"])
                return DNSServer(authority: authority, port: port, channels: bound)
            } catch {
                lastError = error
                for channel in bound { try? await channel.close() }
            }
        }
        throw lastError ?? ChannelError.inappropriateOperationForState
    }

    /// Starts a server on sockets created elsewhere (already bound, e.g. inside a network namespace).
    public static func start(
        authority: DNSAuthority, boundUDPSocket: NIOBSDSocket.Handle, listeningTCPSocket: NIOBSDSocket.Handle,
        logger: Logger = Logger(label: "fwdlab.dns"), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> DNSServer {
        let responder = DNSResponder(authority: authority, logger: logger)
        let udp = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DNSUDPHandler(responder: responder)) }
            }
            .withBoundSocket(boundUDPSocket).get()
        do {
            let tcp = try await tcpBootstrap(responder: responder, group: group).withBoundSocket(listeningTCPSocket).get()
            return DNSServer(authority: authority, port: udp.localAddress?.port ?? 0, channels: [udp, tcp])
        } catch {
            try? await udp.close()
            throw error
        }
    }

    /// Closes every socket. Answers still held back by a delay are not sent.
    public func stop() async {
        for channel in channels { try? await channel.close() }
    }

    private static func bindUDP(host: String, port: Int, responder: DNSResponder, group: any EventLoopGroup) async throws -> any Channel {
        try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DNSUDPHandler(responder: responder)) }
            }
            .bind(host: host, port: port).get()
    }

    private static func bindTCP(host: String, port: Int, responder: DNSResponder, group: any EventLoopGroup) async throws -> any Channel {
        try await tcpBootstrap(responder: responder, group: group).bind(host: host, port: port).get()
    }

    private static func tcpBootstrap(responder: DNSResponder, group: any EventLoopGroup) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(DNSTCPHandler(responder: responder))
                }
            }
    }

    /// "ip:port", with brackets for IPv6.
    static func describe(_ address: SocketAddress) -> String {
        let ip = address.ipAddress ?? "?"
        let port = address.port ?? 0
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// A Duration as NIO's TimeAmount.
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
