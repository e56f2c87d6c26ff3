import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `<source> @type monitor_agent`'s HTTP endpoint: `GET /api/plugins.json` answers every plugin's record
/// (`MonitorAgentReport`); other paths get WEBrick's 404, as Fluentd's paths the agent does not serve
/// (docs/agent-parameters.md, "`<source> @type monitor_agent`").
public final class MonitorAgentServer: Sendable {
    private let channel: Channel

    private init(channel: Channel) { self.channel = channel }

    /// The bound port (useful with port 0).
    public var port: Int? { channel.localAddress?.port }

    /// Binds the source's address; `report` is asked for the figures at every request.
    public static func start(_ source: MonitorAgentSourceConfig, report: @escaping @Sendable () async -> MonitorAgentReport,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) async throws -> MonitorAgentServer {
        let defaults = MonitorAgentReport.Query(withConfig: source.includeConfig, withRetry: source.includeRetry)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MonitorAgentHTTPHandler(defaults: defaults, report: report))
                }
            }
            .bind(host: source.bind, port: source.port).get()
        logger.info("listening monitoring http server on http://\(source.bind):\(channel.localAddress?.port ?? source.port)/api/plugins for worker0")
        return MonitorAgentServer(channel: channel)
    }

    /// Stops listening.
    public func close() async {
        try? await channel.close()
    }
}

/// One monitor_agent connection.
private final class MonitorAgentHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let defaults: MonitorAgentReport.Query
    private let report: @Sendable () async -> MonitorAgentReport
    private var request: HTTPRequestHead?

    init(defaults: MonitorAgentReport.Query, report: @escaping @Sendable () async -> MonitorAgentReport) {
        self.defaults = defaults
        self.report = report
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
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        guard path == "/api/plugins.json" else {
            WEBrickResponse.errorPage(context, head, status: .notFound, title: "Not Found",
                                      detail: "`\(WEBrickResponse.escapeHTML(head.uri))' not found.")
            return
        }
        let query = MonitorAgentReport.Query.parse(uri: head.uri, defaults: defaults)
        let report = self.report
        context.eventLoop.makeFutureWithTask { await report().json(query) }.assumeIsolated().whenSuccess { body in
            WEBrickResponse.send(context, head, status: .ok, body: body, contentType: "application/json")
        }
    }
}
