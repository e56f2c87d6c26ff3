import NIOCore

/// Answers DNS queries arriving as datagrams.
final class DNSUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let responder: DNSResponder

    init(responder: DNSResponder) {
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let client = DNSServer.describe(envelope.remoteAddress)
        guard let (bytes, delay) = responder.handle(Array(envelope.data.readableBytesView), client: client, transport: .udp) else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let reply = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)
        if delay <= .zero {
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        } else {
            let channel = context.channel
            context.eventLoop.scheduleTask(in: DNSServer.timeAmount(delay)) {
                channel.writeAndFlush(reply, promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port-unreachable from a client that went away shows up here; the socket stays usable.
        responder.logger.debug("DNS UDP socket error", metadata: ["error": "\(error)"])
    }
}
