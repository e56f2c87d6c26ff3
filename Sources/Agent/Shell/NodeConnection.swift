import ForwardProtocol
import NIOCore

/// One open (and, with `<security>`, authenticated) connection to a node, confined to the agent's event loop.
///
/// `@unchecked Sendable` is safe: it is created, used and closed only on `channel.eventLoop` (asserted), and
/// crosses threads only as a reference captured by future callbacks that run on that same loop.
final class NodeConnection: @unchecked Sendable {
    /// The shell's token for the core (`ackRegistered(connection:)`).
    let id: UInt64
    let node: Int
    let key: SocketCacheKey
    let channel: Channel
    let handler: ForwardClientHandler
    /// Whether it is checked out of the keepalive cache (or not cached at all).
    var inUse = true
    /// Keepalive expiry (monotonic), refreshed at checkout/checkin; nil = never.
    var expiresAt: AgentSeconds?
    /// Revoked after a failed send: closed by the next sweep.
    var revoked = false

    init(id: UInt64, node: Int, key: SocketCacheKey, channel: Channel, handler: ForwardClientHandler) {
        self.id = id
        self.node = node
        self.key = key
        self.channel = channel
        self.handler = handler
    }

    var isActive: Bool { channel.isActive }

    /// Writes one PackedForward request (docs/forward-protocol.md, "Sending a chunk"): head, the chunk's own buffer (no copy), option; completes when the
    /// last byte was handed to the kernel, or fails after `timeout` (send_timeout) closing the connection.
    func send(tag: String, payload: ByteBuffer, records: Int, compression: ForwardCompression?, ackValue: String?, timeout: TimeAmount) -> EventLoopFuture<Void> {
        channel.eventLoop.assertInEventLoop()
        var head = channel.allocator.buffer(capacity: tag.utf8.count + 16)
        ForwardEncoder.writePackedForwardHead(tag: tag, entriesLength: payload.readableBytes, into: &head)
        var option = channel.allocator.buffer(capacity: 64)
        ForwardOption.write(size: records, compressed: compression?.optionValue ?? "text", chunk: ackValue, into: &option)
        let result = channel.eventLoop.makePromise(of: Void.self)
        let written = channel.eventLoop.makePromise(of: Void.self)
        let done = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
        let timer = channel.eventLoop.scheduleTask(in: timeout) { [channel] in
            guard !done.value else { return }
            done.value = true
            result.fail(ForwardConnectionError.timeout("send timeout"))
            channel.close(promise: nil)
        }
        written.futureResult.whenComplete { r in
            timer.cancel()
            guard !done.value else { return }
            done.value = true
            switch r {
            case .success: result.succeed(())
            case .failure(let e): result.fail(ForwardConnectionError.io("\(e)"))
            }
        }
        channel.write(head, promise: nil)
        channel.write(payload, promise: nil)
        channel.writeAndFlush(option, promise: written)
        return result.futureResult
    }

    /// Shutdown-write then close, as Fluentd's `sock.close_write; sock.close` (docs/forward-protocol.md, "Transport heartbeat").
    func close() {
        channel.close(promise: nil)
    }
}
