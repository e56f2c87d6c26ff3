import ForwardProtocol
import NIOCore

/// Answers every UDP datagram with one `00` byte, from the listening socket so the reply's source
/// port is the receiver's port (docs/forward-protocol.md, "UDP heartbeat"). The channel reads at most 128 bytes per datagram.
final class UDPHeartbeatHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let core: ForwardServerCore
    private let reply: ByteBuffer

    init(core: ForwardServerCore) {
        self.core = core
        reply = ByteBuffer(bytes: UDPHeartbeat.reply)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        if core.killed.load(ordering: .relaxed) { return }
        var payload = reply
        if let hooks = core.settings.hooks {
            switch hooks.onHeartbeat(from: envelope.remoteAddress, byteCount: envelope.data.readableBytes) {
            case .reply: break
            case .drop: return
            case let .replace(bytes): payload = ByteBuffer(bytes: bytes)
            case let .delay(duration):
                let out = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: payload)
                context.eventLoop.assumeIsolated().scheduleTask(in: duration) { [self] in
                    core.stats.heartbeats.wrappingIncrement(ordering: .relaxed)
                    context.writeAndFlush(wrapOutboundOut(out), promise: nil)
                }
                return
            }
        }
        core.stats.heartbeats.wrappingIncrement(ordering: .relaxed)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: payload)), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A send error (e.g. ICMP port unreachable surfacing as ECONNREFUSED) must not stop the responder.
        core.logger.debug("UDP heartbeat error", metadata: ["error": .string("\(error)")])
    }
}
