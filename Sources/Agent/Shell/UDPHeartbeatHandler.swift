import NIOCore

/// Receives UDP heartbeat replies on the agent's one unconnected UDP socket (docs/forward-protocol.md, "UDP heartbeat") and reports each sender.
final class UDPHeartbeatHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    /// Called on the event loop with the datagram's source address (the payload is not inspected, as in Fluentd).
    var onReply: ((SocketAddress) -> Void)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        onReply?(envelope.remoteAddress)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port-unreachable etc. surface here on Linux; heartbeats must keep running (docs/forward-protocol.md, "Heartbeats").
    }
}
