import NIOCore

/// A middlebox idle timer on one connection: sits first in the pipeline (before TLS), so it sees the
/// wire's bytes both ways, and asks the fault hooks what to do once none went either way for the hooks'
/// `idleTimeout`: close (FIN), reset (RST) or black-hole the flow. Installed only when hooks are set.
final class ConnectionIdleHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let hooks: any ReceiverFaultHooks
    private let connection: ReceiverConnectionInfo
    private var lastActivity = NIODeadline.now()
    private var timer: Scheduled<Void>?
    private var blackholed = false

    init(hooks: any ReceiverFaultHooks, connection: ReceiverConnectionInfo) {
        self.hooks = hooks
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        lastActivity = .now()
        arm(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if blackholed { return }
        activity(context)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if blackholed {
            // The bytes leave the receiver as far as it can tell, and vanish in the middlebox.
            promise?.succeed(())
            return
        }
        activity(context)
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        if blackholed { return }
        context.flush()
    }

    /// Traffic restarts the idle clock; only a timestamp, the pending timer re-arms itself when it fires.
    private func activity(_ context: ChannelHandlerContext) {
        lastActivity = .now()
        if timer == nil { arm(context) }
    }

    private func arm(_ context: ChannelHandlerContext, after delay: TimeAmount? = nil) {
        guard timer == nil, !blackholed, let timeout = hooks.idleTimeout(connection), timeout > .zero else { return }
        let deadline = delay.map { NIODeadline.now() + $0 } ?? lastActivity + timeout
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in fire(context) }
    }

    private func fire(_ context: ChannelHandlerContext) {
        timer = nil
        guard context.channel.isActive, !blackholed, let timeout = hooks.idleTimeout(connection) else { return }
        let idle = NIODeadline.now() - lastActivity
        guard idle >= timeout else {
            arm(context)
            return
        }
        let linger: NIOLinger
        switch hooks.onIdle(connection, idle: idle) {
        case .proceed:
            // Not this time (a probability): look again after another full period.
            arm(context, after: timeout)
            return
        case .blackhole:
            blackholed = true
            return
        case .close: linger = NIOLinger(l_onoff: 0, l_linger: 0)
        case .reset: linger = NIOLinger(l_onoff: 1, l_linger: 0)
        }
        // The configured linger (0 by default, an RST) would decide FIN vs RST: set it for this close.
        if let provider = context.channel as? SocketOptionProvider {
            provider.setSoLinger(linger).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }
}
