import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// An NIO client (optionally TLS) that collects received bytes, with bounded async waits.
final class NIOTestClient: @unchecked Sendable {
    // @unchecked: `received`, `closed`, `error` are only touched under `lock`.
    private let lock = NIOLock()
    private var received: [UInt8] = []
    private var closed = false
    private(set) var channel: Channel?

    var isClosed: Bool { lock.withLock { closed } }

    static func connect(port: Int, tls: TLSConfiguration?, serverName: String? = nil) async throws -> NIOTestClient {
        let client = NIOTestClient()
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        client.channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(Collector(client: client))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return client
    }

    func send(_ bytes: ByteBuffer) async throws {
        try await channel!.writeAndFlush(bytes).get()
    }

    /// Waits (bounded) until `count` bytes arrived or the connection closed; returns what arrived.
    func read(count: Int, timeout: Duration) async -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (bytes, done) = lock.withLock { (received, closed) }
            if bytes.count >= count || done { return bytes }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return lock.withLock { received }
    }

    /// Waits (bounded) for the connection to close.
    func waitForClose(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if isClosed { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return isClosed
    }

    func close() async { try? await channel?.close() }

    final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let client: NIOTestClient
        init(client: NIOTestClient) { self.client = client }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let b = unwrapInboundIn(data)
            client.lock.withLock { client.received += b.readableBytesView }
        }
        func channelInactive(context: ChannelHandlerContext) {
            client.lock.withLock { client.closed = true }
        }
        func errorCaught(context: ChannelHandlerContext, error: Error) {
            context.close(promise: nil)
        }
    }
}
