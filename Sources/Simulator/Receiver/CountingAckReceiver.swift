import Atomics
import ForwardProtocol
import NIOCore
import NIOPosix

/// A minimal fast acking forward receiver for the benchmarks (`ForwardReceiver` is the wire-exact one): finds each
/// request's end with the frame scanner, reads only the option map (`size`, `chunk`) and acks; events are counted from
/// `size` (entries are not decoded).
public final class CountingAckReceiver: Sendable {
    /// Events (from each request's `size` option) and entry bytes received so far.
    public let events: ManagedAtomic<Int>
    public let bytes: ManagedAtomic<Int>
    let channel: Channel
    public var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: Channel, events: ManagedAtomic<Int>, bytes: ManagedAtomic<Int>) {
        self.channel = channel
        self.events = events
        self.bytes = bytes
    }

    public static func start(group: EventLoopGroup) async throws -> CountingAckReceiver {
        let events = ManagedAtomic<Int>(0)
        let bytes = ManagedAtomic<Int>(0)
        let ch = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 65536, maximum: 1 << 20))
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(CountingAckHandler(events: events, bytes: bytes))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return CountingAckReceiver(channel: ch, events: events, bytes: bytes)
    }

    public func stop() async { try? await channel.close() }
}

/// Streams each PackedForward request: parses the head, skips the entries blob as it arrives (no accumulation, no
/// copy), then parses the option map and acks. Anything that is not `[tag, str32/bin32 blob, option]` closes the
/// connection (the agent only sends that shape; docs/forward-protocol.md, "Sending a chunk").
private final class CountingAckHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    enum Phase { case head, skipping(Int), option }
    let events: ManagedAtomic<Int>
    let bytes: ManagedAtomic<Int>
    var pending = ByteBuffer()
    var phase = Phase.head
    var scanner = MessagePackFrameScanner()

    init(events: ManagedAtomic<Int>, bytes: ManagedAtomic<Int>) {
        self.events = events
        self.bytes = bytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        var acks: ByteBuffer?
        while true {
            switch phase {
            case .skipping(let remaining):
                let n = min(remaining, incoming.readableBytes)
                incoming.moveReaderIndex(forwardBy: n)
                bytes.wrappingIncrement(by: n, ordering: .relaxed)
                if n < remaining {
                    phase = .skipping(remaining - n)
                    flush(acks, context)
                    return
                }
                phase = .option
            case .head:
                pending.writeBuffer(&incoming)
                var r = MessagePackReader(pending)
                guard let count = try? r.readArrayHeader(), count >= 2, (try? r.skipValue()) != nil,
                      let f = r.peekFormat() else {
                    if pending.readableBytes > 4096 { context.close(promise: nil) }
                    flush(acks, context)
                    return
                }
                guard f == 0xdb || f == 0xc6 else { context.close(promise: nil); return }
                r.buffer.moveReaderIndex(forwardBy: 1)
                guard let len = r.buffer.readInteger(as: UInt32.self) else { flush(acks, context); return }
                // What follows the head in `pending` is blob (then maybe the option and more requests).
                incoming = r.buffer
                pending.clear()
                phase = .skipping(Int(len))
            case .option:
                pending.writeBuffer(&incoming)
                guard case let .frame(length)? = try? scanner.scan(pending) else {
                    flush(acks, context)
                    return
                }
                scanner.reset()
                var r = MessagePackReader(pending.readSlice(length: length)!)
                incoming = pending
                pending = ByteBuffer()
                phase = .head
                if let option = try? ForwardOption.read(from: &r) {
                    events.wrappingIncrement(by: Int(option.size ?? 0), ordering: .relaxed)
                    if option.wantsAck, let chunk = option.chunk {
                        if acks == nil { acks = context.channel.allocator.buffer(capacity: 64) }
                        ForwardAck.write(echoing: chunk, into: &acks!)
                    }
                }
                if incoming.readableBytes == 0 {
                    flush(acks, context)
                    return
                }
            }
        }
    }

    private func flush(_ acks: ByteBuffer?, _ context: ChannelHandlerContext) {
        if let acks { context.writeAndFlush(wrapOutboundOut(acks), promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
