import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP RPC endpoint of `<system> rpc_endpoint` (docs/forward-protocol.md, "RPC endpoint"), on NIOHTTP1, calling a `ControlPlane`.
///
/// ```swift
/// let server = try await RPCServer.start(endpoint: HostPort(host: "127.0.0.1", port: 24444), plane: plane,
///                                        options: .init(system: config.system), logger: logger)
/// ...
/// try await server.close()
/// ```
public final class RPCServer: Sendable {
    /// Behaviour switches; the defaults reproduce Fluentd.
    public struct Options: Sendable, Equatable {
        /// Serve `/api/config.getDump` (`enable_get_dump`).
        public var enableGetDump = false
        /// Quirk 31 (docs/quirks.md) better behaviour: errors answer `{"ok":false,"message":...}` (Fluentd: `{"ok":true}` with 500).
        public var detailedErrors = false
        /// Quirk 32 better behaviour: exact paths only; state-changing actions only via POST.
        public var strictRoutes = false

        public init(enableGetDump: Bool = false, detailedErrors: Bool = false, strictRoutes: Bool = false) {
            self.enableGetDump = enableGetDump
            self.detailedErrors = detailedErrors
            self.strictRoutes = strictRoutes
        }

        /// The options a `<system>` section asks for.
        public init(system: SystemConfig) {
            self.init(enableGetDump: system.enableGetDump, detailedErrors: system.rpcDetailedErrors, strictRoutes: system.rpcStrictRoutes)
        }
    }

    private let channel: Channel

    private init(channel: Channel) {
        self.channel = channel
    }

    /// The bound address (useful with port 0).
    public var localAddress: SocketAddress? { channel.localAddress }

    /// The bound port.
    public var port: Int? { channel.localAddress?.port }

    /// Binds `endpoint` and starts serving.
    public static func start(
        endpoint: HostPort, plane: ControlPlane, options: Options = Options(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) async throws -> RPCServer {
        let routes = RPCRoute.routes(enableGetDump: options.enableGetDump)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        RPCHTTPHandler(plane: plane, routes: routes, options: options, logger: logger))
                }
            }
        let channel = try await bootstrap.bind(host: endpoint.host, port: endpoint.port).get()
        logger.info("RPC endpoint listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        return RPCServer(channel: channel)
    }

    /// Stops listening (connections in progress finish on their own).
    public func close() async throws {
        try await channel.close()
    }
}
