import NIOCore

/// Answers length-framed DNS queries on one TCP connection; pipelined queries are answered independently.
final class DNSTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: DNSResponder

    init(responder: DNSResponder) {
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let client = context.remoteAddress.map(DNSServer.describe) ?? "?"
        guard let (bytes, delay) = responder.handle(Array(frame.readableBytesView), client: client, transport: .tcp) else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count + 2)
        buffer.writeInteger(UInt16(bytes.count))
        buffer.writeBytes(bytes)
        if delay <= .zero {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        } else {
            let channel = context.channel
            let framed = buffer
            context.eventLoop.scheduleTask(in: DNSServer.timeAmount(delay)) {
                channel.writeAndFlush(framed, promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        responder.logger.debug("DNS TCP connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
