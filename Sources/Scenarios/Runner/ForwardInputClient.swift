import ForwardProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The load driver's client for an agent's `<source> @type forward`: one PackedForward request at a time with a
/// `chunk` option, counted as accepted only when its ack comes back (in_forward acks after buffering).
final class ForwardInputClient: Sendable {
    let port: Int
    let ackTimeout: TimeAmount
    private let group: any EventLoopGroup
    private let channel = NIOLockedValueBox<Channel?>(nil)
    private let sequence = NIOLockedValueBox<UInt64>(0)

    init(port: Int, ackTimeout: TimeAmount = .seconds(3), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.port = port
        self.ackTimeout = ackTimeout
        self.group = group
    }

    /// What became of one request.
    enum Outcome: Sendable, Equatable {
        /// The ack came back: the events are in the agent's buffer.
        case acked
        /// The request was written and the input closed the connection without an ack: in_forward's answer when
        /// the buffer refuses the events (docs/forward-protocol.md, "Request processing", step 7), or a peer that died meanwhile.
        case closedWithoutAck
        /// No connection (refused or timed out): nobody is listening.
        case unreachable
        /// Connected, but no ack within `ackTimeout` (a blocked or hung input), or an unreadable answer.
        case noAck
    }

    /// One offer through the input, as the load driver counts it; `agentRunning` tells a refusal (the input closed
    /// the connection without an ack while the agent lives) from a dying agent.
    func offer(tag: String, entries: ByteBuffer, count: Int, agentRunning: () -> Bool) async -> OfferOutcome {
        switch await send(tag: tag, entries: entries, count: count) {
        case .acked:
            return .accepted
        case .closedWithoutAck:
            // in_forward closes without an ack when the buffer refuses the events. A dying agent closes too, but
            // the host marks it stopped before it signals, and a crash is noticed by agentRunning.
            return agentRunning() ? .overflow : .agentDown
        case .unreachable, .noAck:
            return .agentDown
        }
    }

    /// Sends one request and waits for its ack. On any failure the connection is dropped so the next send
    /// reconnects.
    func send(tag: String, entries: ByteBuffer, count: Int) async -> Outcome {
        let chunk = sequence.withLockedValue { n -> String in
            n += 1
            return String(format: "fwdlab-load-%016llx", n)
        }
        let request = ForwardEncoder.packedForward(tag: tag, entries: entries, size: count, chunk: chunk)
        let ch: Channel
        do {
            ch = try await connected()
        } catch {
            drop()
            return .unreachable
        }
        do {
            let acked = ch.eventLoop.makePromise(of: Void.self)
            let timeout = ackTimeout
            try await ch.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
                do {
                    let waiter = try ch.pipeline.syncOperations.handler(type: AckWaiter.self)
                    waiter.expect(chunk: chunk, promise: acked, timeout: timeout, loop: ch.eventLoop)
                } catch {
                    return ch.eventLoop.makeFailedFuture(error)
                }
                return ch.writeAndFlush(request)
            }.get()
            try await acked.futureResult.get()
            return .acked
        } catch {
            drop()
            // A FIN, a reset (in_forward's default linger 0 turns its close into an RST) or a write into a
            // connection the peer already closed: all mean the peer hung up on this request.
            switch error {
            case ForwardInputClientError.closed, is IOError, ChannelError.ioOnClosedChannel, ChannelError.eof,
                 ChannelError.outputClosed, ChannelError.alreadyClosed:
                return .closedWithoutAck
            default:
                return .noAck
            }
        }
    }

    func close() {
        drop()
    }

    private func connected() async throws -> Channel {
        if let ch = channel.withLockedValue({ $0 }), ch.isActive { return ch }
        let ch = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(2))
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(AckWaiter()) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        channel.withLockedValue { $0 = ch }
        return ch
    }

    private func drop() {
        let ch = channel.withLockedValue { c -> Channel? in
            let old = c
            c = nil
            return old
        }
        ch?.close(promise: nil)
    }
}

/// Reads ack maps and completes the pending send's promise when its chunk id comes back.
private final class AckWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private var pending: (chunk: [UInt8], promise: EventLoopPromise<Void>, timer: Scheduled<Void>)?
    private var cumulation = ByteBuffer()
    private var scanner = MessagePackFrameScanner()

    /// Called on the channel's event loop before the request is written.
    func expect(chunk: String, promise: EventLoopPromise<Void>, timeout: TimeAmount, loop: any EventLoop) {
        let timer = loop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            fail(ForwardInputClientError.ackTimeout)
        }
        pending = (Array(chunk.utf8), promise, timer)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        cumulation.writeBuffer(&bytes)
        while true {
            guard let result = try? scanner.scan(cumulation) else {
                fail(ForwardInputClientError.badAck)
                context.close(promise: nil)
                return
            }
            guard case let .frame(length) = result, let frame = cumulation.readSlice(length: length) else { break }
            scanner.reset()
            if let value = try? MessagePackValue.decode(frame), let acked = ForwardAck.ackedChunk(in: value),
               let p = pending, acked == p.chunk {
                pending = nil
                p.timer.cancel()
                p.promise.succeed(())
            }
        }
        cumulation.discardReadBytes()
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(ForwardInputClientError.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(error)
        context.close(promise: nil)
    }

    private func fail(_ error: Error) {
        guard let p = pending else { return }
        pending = nil
        p.timer.cancel()
        p.promise.fail(error)
    }
}

/// Why a load request was not acked.
enum ForwardInputClientError: Error {
    case ackTimeout, closed, badAck
}
