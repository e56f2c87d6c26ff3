import FluentdConfig
import Logging
import NIOCore
import NIOHTTP1

/// One RPC connection: routes each request, runs its action on the control plane, and answers like
/// Fluentd's WEBrick server (docs/forward-protocol.md, "RPC endpoint").
final class RPCHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// WEBrick 1.8's answer to OPTIONS.
    static let allowedMethods = "GET,HEAD,OPTIONS,POST,PUT"

    private let plane: ControlPlane
    private let routes: [RPCRoute]
    private let options: RPCServer.Options
    private let logger: Logger
    private var request: HTTPRequestHead?

    init(plane: ControlPlane, routes: [RPCRoute], options: RPCServer.Options, logger: Logger) {
        self.plane = plane
        self.routes = routes
        self.options = options
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break  // bodies are ignored, as in Fluentd
        case .end:
            guard let head = request else { return }
            request = nil
            handle(head, context: context)
        }
    }

    private func handle(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard let route = RPCRoute.match(uri: head.uri, in: routes, exact: options.strictRoutes) else {
            respond(context, head, status: .notFound, html: "Not Found", detail: "`\(Self.escapeHTML(head.uri))' not found.")
            return
        }
        switch head.method {
        case .OPTIONS:
            var headers = HTTPHeaders()
            headers.add(name: "Allow", value: options.strictRoutes ? allowed(for: route) : Self.allowedMethods)
            respond(context, head, status: .ok, headers: headers, body: nil, contentType: nil)
            return
        case .GET, .POST, .PUT, .HEAD:
            if options.strictRoutes && route.action.isMutation && head.method != .POST {
                methodNotAllowed(context, head, allow: allowed(for: route))
                return
            }
        default:
            methodNotAllowed(context, head, allow: options.strictRoutes ? allowed(for: route) : Self.allowedMethods)
            return
        }
        let plane = self.plane
        let action = route.action
        // Started, not awaited (ControlPlane.request): the reply does not wait for the outputs.
        let validate = options.detailedErrors
        let future = context.eventLoop.makeFutureWithTask { try await plane.request(action, validateReload: validate) }
        future.assumeIsolated().whenComplete { result in
            switch result {
            case .success(.ok):
                self.respondJSON(context, head, status: .ok, json: #"{"ok":true}"#)
            case .success(.dump(let text)):
                self.respondJSON(context, head, status: .ok, json: "{\"conf\":" + ConfigJSON.quote(text) + ",\"ok\":true}")
            case .failure(let error):
                // Quirk 31 (docs/quirks.md): Fluentd builds an error body but sends {"ok":true} with status 500. Only a reload
                // validated up front (detailed errors) can fail here; started actions log their failures.
                let body = self.options.detailedErrors
                    ? "{\"ok\":false,\"message\":" + ConfigJSON.quote(String(describing: error)) + "}"
                    : #"{"ok":true}"#
                self.respondJSON(context, head, status: .internalServerError, json: body)
            }
        }
    }

    private func allowed(for route: RPCRoute) -> String {
        route.action.isMutation ? "OPTIONS,POST" : "GET,HEAD,OPTIONS,POST"
    }

    private func methodNotAllowed(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, allow: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Allow", value: allow)
        respond(context, head, status: .methodNotAllowed, html: "Method Not Allowed",
                detail: "unsupported method `\(Self.escapeHTML(head.method.rawValue))'.", headers: headers)
    }

    private func respondJSON(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, status: HTTPResponseStatus, json: String) {
        respond(context, head, status: status, body: json, contentType: "application/json")
    }

    private func respond(
        _ context: ChannelHandlerContext, _ head: HTTPRequestHead, status: HTTPResponseStatus, html title: String, detail: String,
        headers: HTTPHeaders = HTTPHeaders()
    ) {
        WEBrickResponse.errorPage(context, head, status: status, title: title, detail: detail, headers: headers)
    }

    private func respond(
        _ context: ChannelHandlerContext, _ head: HTTPRequestHead, status: HTTPResponseStatus, headers extra: HTTPHeaders = HTTPHeaders(),
        body: String?, contentType: String?
    ) {
        WEBrickResponse.send(context, head, status: status, headers: extra, body: body, contentType: contentType)
    }

    static func escapeHTML(_ s: String) -> String { WEBrickResponse.escapeHTML(s) }
}
