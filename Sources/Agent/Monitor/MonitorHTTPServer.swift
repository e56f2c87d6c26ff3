import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP endpoint of a monitoring `<source>` (monitor_agent's `/api/plugins.json`, prometheus' `/metrics`): one
/// path, answered by `page` with the request's URI; every other path gets WEBrick's 404
/// (docs/agent-parameters.md, "`<source> @type monitor_agent`" and "Monitoring with Prometheus").
public final class MonitorHTTPServer: Sendable {
    /// A page's content type and body.
    public typealias Page = @Sendable (_ uri: String) async -> (contentType: String, body: String)

    private let channel: Channel

    private init(channel: Channel) { self.channel = channel }

    /// The bound port (useful with port 0).
    public var port: Int? { channel.localAddress?.port }

    /// Binds `bind`:`port` and serves `page` at `path`.
    public static func start(bind: String, port: Int, path: String, page: @escaping Page,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MonitorHTTPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MonitorHTTPHandler(path: path, page: page))
                }
            }
            .bind(host: bind, port: port).get()
        return MonitorHTTPServer(channel: channel)
    }

    /// monitor_agent's endpoint for `source`; `report` is asked for the figures at every request.
    public static func monitorAgent(_ source: MonitorAgentSourceConfig, report: @escaping @Sendable () async -> MonitorAgentReport,
                                    group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                                    logger: Logger) async throws -> MonitorHTTPServer {
        let defaults = MonitorAgentReport.Query(withConfig: source.includeConfig, withRetry: source.includeRetry)
        let server = try await start(bind: source.bind, port: source.port, path: "/api/plugins.json", page: { uri in
            ("application/json", await report().json(.parse(uri: uri, defaults: defaults)))
        }, group: group)
        logger.info("listening monitoring http server on http://\(source.bind):\(server.port ?? source.port)/api/plugins for worker0")
        return server
    }

    /// Stops listening.
    public func close() async {
        try? await channel.close()
    }
}

/// One connection of a monitoring endpoint.
private final class MonitorHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let path: String
    private let page: MonitorHTTPServer.Page
    private var request: HTTPRequestHead?

    init(path: String, page: @escaping MonitorHTTPServer.Page) {
        self.path = path
        self.page = page
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request else { return }
            request = nil
            handle(head, context: context)
        }
    }

    private func handle(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let requested = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        guard requested == path else {
            WEBrickResponse.errorPage(context, head, status: .notFound, title: "Not Found",
                                      detail: "`\(WEBrickResponse.escapeHTML(head.uri))' not found.")
            return
        }
        let page = self.page, uri = head.uri
        context.eventLoop.makeFutureWithTask { await page(uri) }.assumeIsolated().whenSuccess { answer in
            WEBrickResponse.send(context, head, status: .ok, body: answer.body, contentType: answer.contentType)
        }
    }
}
