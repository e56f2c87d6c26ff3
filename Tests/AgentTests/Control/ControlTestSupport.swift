import Agent
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A log handler that keeps messages so tests can check what was logged.
struct CapturingLogHandler: LogHandler {
    let store: NIOLockedValueBox<[(Logger.Level, String)]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.withLockedValue { $0.append((event.level, event.message.description)) }
    }
}

/// A logger plus access to what it logged.
struct CapturedLogs {
    let store = NIOLockedValueBox<[(Logger.Level, String)]>([])
    var logger: Logger {
        let store = self.store
        return Logger(label: "test") { _ in CapturingLogHandler(store: store) }
    }
    var messages: [(Logger.Level, String)] { store.withLockedValue { $0 } }
}

/// A raw HTTP/1.1 response as received on the socket.
struct RawHTTPResponse {
    var status: Int
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// Collects every byte until the peer closes.
private final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var bytes: [UInt8] = []
    private let promise: EventLoopPromise<[UInt8]>

    init(promise: EventLoopPromise<[UInt8]>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
    }

    func channelInactive(context: ChannelHandlerContext) { promise.succeed(bytes) }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}

/// Sends one request with `Connection: close` to 127.0.0.1:`port` and returns the parsed response.
/// The exchange is bounded: the connection is closed after 5 seconds whatever happens.
func rawHTTP(port: Int, method: String, path: String) async throws -> RawHTTPResponse {
    let group = MultiThreadedEventLoopGroup.singleton
    let promise = group.next().makePromise(of: [UInt8].self)
    let channel = try await ClientBootstrap(group: group)
        .connectTimeout(.seconds(5))
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CollectingHandler(promise: promise)) }
        }
        .connect(host: "127.0.0.1", port: port).get()
    let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    try await channel.writeAndFlush(channel.allocator.buffer(string: request)).get()
    channel.eventLoop.scheduleTask(in: .seconds(5)) { channel.close(promise: nil) }
    let bytes = try await promise.futureResult.get()
    return try parseResponse(String(decoding: bytes, as: UTF8.self))
}

struct MalformedResponse: Error {}

func parseResponse(_ text: String) throws -> RawHTTPResponse {
    guard let split = text.range(of: "\r\n\r\n") else { throw MalformedResponse() }
    let head = text[..<split.lowerBound].components(separatedBy: "\r\n")
    let statusParts = head.first?.split(separator: " ") ?? []
    guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw MalformedResponse() }
    let headers = head.dropFirst().compactMap { line -> (String, String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    return RawHTTPResponse(status: status, headers: headers, body: String(text[split.upperBound...]))
}

import Foundation
