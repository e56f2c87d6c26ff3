import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The control API over HTTP/1.1 (JSON in and out), one task per connection.
public final class ControlHTTPServer: Sendable {
    /// The bound address (read the port from here when binding port 0).
    public let localAddress: SocketAddress
    private let channel: Channel
    private let serving: Task<Void, Never>
    /// Bodies larger than this are refused with 413.
    static let maxBody = 1 << 20

    private init(channel: Channel, localAddress: SocketAddress, serving: Task<Void, Never>) {
        self.channel = channel
        self.localAddress = localAddress
        self.serving = serving
    }

    /// The bound port.
    public var port: Int { localAddress.port ?? 0 }

    /// Binds `host:port` and serves `router` until `stop()`.
    public static func start(host: String, port: Int, router: ControlRouter,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> ControlHTTPServer {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        guard let local = server.channel.localAddress else { throw FaultError.unsupported("control socket has no local address") }
        let serving = Task {
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await serve(connection, router: router) }
                        }
                    }
                } catch {
                    // The listener closed (stop()); connections finish on their own.
                }
            }
        }
        return ControlHTTPServer(channel: server.channel, localAddress: local, serving: serving)
    }

    /// Stops listening.
    public func stop() async {
        try? await channel.close()
        serving.cancel()
    }

    private static func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, router: ControlRouter) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            var tooLarge = false
            for try await part in inbound {
                switch part {
                case let .head(h):
                    head = h
                    body.clear()
                    tooLarge = false
                case var .body(b):
                    if body.readableBytes + b.readableBytes > maxBody { tooLarge = true } else { body.writeBuffer(&b) }
                case .end:
                    guard let h = head else { continue }
                    let response: ControlResponse
                    if tooLarge {
                        response = .error(413, "request body larger than \(maxBody) bytes")
                    } else {
                        response = await router.handle(method: h.method.rawValue, uri: h.uri, body: Data(body.readableBytesView))
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: response.contentType)
                    headers.add(name: "Content-Length", value: String(response.body.count))
                    if !h.isKeepAlive { headers.add(name: "Connection", value: "close") }
                    try await outbound.write(.head(HTTPResponseHead(version: h.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body))))
                    try await outbound.write(.end(nil))
                    if !h.isKeepAlive { return }
                    head = nil
                }
            }
        }
    }
}
