import Foundation
import NIOCore
import NIOPosix

/// One HTTP/1.1 request to an agent's RPC endpoint (`rpc:` steps), answered as status and body. The exchange is
/// bounded by `timeout`: an endpoint that never answers, or closes without a response (what the agent did while
/// awaiting a flush, issue #16), is an error naming what happened.
enum RPCClient {
    struct Answer: Sendable, Equatable {
        var status: Int
        var body: String
    }

    enum Failure: Error, CustomStringConvertible {
        case noResponse(String)
        var description: String {
            switch self {
            case let .noResponse(s): s
            }
        }
    }

    static func post(host: String, port: Int, path: String, timeout: Double) async throws -> Answer {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: [UInt8].self)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(promise: promise)) }
            }
            // A literal address skips NIO's resolver and its happy-eyeballs timers; a name still resolves.
            .connect(to: (try? SocketAddress(ipAddress: host, port: port)) ?? SocketAddress.makeAddressResolvingHost(host, port: port)).get()
        let request = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        try await channel.writeAndFlush(channel.allocator.buffer(string: request)).get()
        let timer = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { channel.close(promise: nil) }
        let bytes = try await promise.futureResult.get()
        timer.cancel()
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else {
            throw Failure.noResponse(bytes.isEmpty ? "\(path): the connection closed without a response"
                                                   : "\(path): no complete HTTP response (\(bytes.count) bytes)")
        }
        let statusParts = text[..<split.lowerBound].split(separator: "\r\n").first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure.noResponse("\(path): bad status line") }
        return Answer(status: status, body: String(text[split.upperBound...]))
    }

    /// Collects every byte until the peer closes (the request says Connection: close).
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private var bytes: [UInt8] = []
        private var done = false
        private let promise: EventLoopPromise<[UInt8]>

        init(promise: EventLoopPromise<[UInt8]>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
        }

        func channelInactive(context: ChannelHandlerContext) {
            guard !done else { return }
            done = true
            promise.succeed(bytes)
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            if !done {
                done = true
                promise.fail(error)
            }
            context.close(promise: nil)
        }
    }
}
