import ForwardProtocol
import NIOCore
import NIOSSL
import NIOTLS

/// The client side of one forward connection: the `<security>` handshake (docs/forward-protocol.md, "Client-side
/// checks") and ack reading ("Ack handler"), with ONE MessagePack frame scanner per connection (quirk 11's better
/// behaviour, docs/quirks.md; never a fresh decoder per read).
///
/// Runs on the agent's event loop; reports through closures the shell installs.
final class ForwardClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// What the handshake needs (nil `security` → established at once).
    struct Handshake {
        var selfHostname: String
        var sharedKey: String
        var username: String
        var password: String
        /// Per-node salt (generated once per node, not per connection; docs/forward-protocol.md, "Handshake messages").
        var salt: String
    }

    enum Phase { case awaitingHelo, awaitingPong, established }

    private var phase: Phase
    private let handshake: Handshake?
    private let tls: Bool
    private var tlsDone: Bool
    private var helo: Helo?
    private var inbound: ByteBuffer?
    private var scanner = MessagePackFrameScanner(limits: MessagePackLimits(maxDepth: 16, maxFrameLength: 1 << 20, maxContainerCount: 1 << 16))
    private let ackReads: RuntimeBehaviour.AckReads
    /// Completed when TCP (+TLS) (+handshake) are done; failed with `ForwardConnectionError`.
    let ready: EventLoopPromise<Void>
    private var readyDone = false
    /// Whether the shell waits for an ack on this connection.
    private(set) var armed = false
    /// Called with each ack reply while armed.
    var onAck: ((AckReply) -> Void)?
    /// Called once when the connection closes (EOF, RST, local close).
    var onClose: (() -> Void)?
    /// HELO said `keepalive: false` (quirk 13).
    private(set) var serverDeniesKeepalive = false
    private(set) var isActive = false

    init(handshake: Handshake?, tls: Bool, ackReads: RuntimeBehaviour.AckReads, ready: EventLoopPromise<Void>) {
        self.handshake = handshake
        self.tls = tls
        self.tlsDone = !tls
        self.ackReads = ackReads
        self.ready = ready
        self.phase = handshake == nil ? .established : .awaitingHelo
    }

    func channelActive(context: ChannelHandlerContext) {
        isActive = true
        checkReady()
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            tlsDone = true
            checkReady()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if inbound == nil || inbound!.readableBytes == 0 {
            inbound = bytes
        } else {
            inbound!.writeBuffer(&bytes)
        }
        process(context: context, freshRead: true)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(.io("\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        fail(.closed)
        let cb = onClose
        onClose = nil
        onAck = nil
        cb?()
        context.fireChannelInactive()
    }

    /// Starts delivering ack replies (after the shell registered the wait), processing anything already buffered.
    func arm(context: ChannelHandlerContext?) {
        armed = true
        if let context, inbound?.readableBytes ?? 0 > 0 { process(context: context, freshRead: false) }
    }

    /// Stops delivering (connection back to the keepalive cache). Buffered bytes stay for the next wait (quirk 20).
    func disarm() { armed = false }

    // MARK: - Internals

    private func checkReady() {
        guard isActive, tlsDone, !readyDone else { return }
        if phase == .established {
            readyDone = true
            ready.succeed(())
        }
    }

    private func fail(_ error: ForwardConnectionError) {
        guard !readyDone else { return }
        readyDone = true
        ready.fail(error)
    }

    private func process(context: ChannelHandlerContext, freshRead: Bool) {
        while var buffer = inbound, buffer.readableBytes > 0 {
            if phase == .established && !armed { return }
            let result: MessagePackFrameScanner.Result
            do {
                result = try scanner.scan(buffer)
            } catch {
                scanner.reset()
                inbound = nil
                if phase == .established {
                    onAck?(.invalid("\(error)"))
                } else {
                    fail(.handshake("\(error)"))
                    context.close(promise: nil)
                }
                return
            }
            guard case let .frame(length) = result else {
                // quirk 17's observable outcome: a read without a whole ack is an error for this wait.
                if phase == .established, ackReads == .singleRead, freshRead {
                    scanner.reset()
                    inbound = nil
                    onAck?(.invalid("incomplete ack response (\(buffer.readableBytes) bytes)"))
                }
                return
            }
            let frame = buffer.readSlice(length: length)!
            inbound = buffer
            scanner.reset()
            let value: MessagePackValue
            do {
                value = try MessagePackValue.decode(frame)
            } catch {
                if phase == .established { onAck?(.invalid("\(error)")) } else {
                    fail(.handshake("\(error)"))
                    context.close(promise: nil)
                }
                continue
            }
            switch phase {
            case .awaitingHelo: handleHelo(value, context: context)
            case .awaitingPong: handlePong(value, context: context)
            case .established:
                if case .map = value {
                    let ack = ForwardAck.ackedChunk(in: value).flatMap { String(validating: $0, as: UTF8.self) }
                    onAck?(.map(ack: ack))
                } else {
                    onAck?(.invalid("ack response is not a map"))
                }
            }
        }
    }

    private func handleHelo(_ value: MessagePackValue, context: ChannelHandlerContext) {
        guard let hs = handshake else { return }
        do {
            let h = try Helo(value)
            helo = h
            serverDeniesKeepalive = !h.keepalive
            let ping = Ping(helo: h, clientHostname: hs.selfHostname, sharedKeySalt: hs.salt, sharedKey: hs.sharedKey,
                            username: hs.username, password: hs.password)
            var out = context.channel.allocator.buffer(capacity: 256)
            ping.encode(into: &out)
            phase = .awaitingPong
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        } catch {
            fail(.handshake("\(error)"))
            context.close(promise: nil)
        }
    }

    private func handlePong(_ value: MessagePackValue, context: ChannelHandlerContext) {
        guard let hs = handshake, let h = helo else { return }
        do {
            let pong = try Pong(value)
            try pong.verify(clientSelfHostname: hs.selfHostname, clientSalt: hs.salt, nonce: h.nonce, sharedKey: hs.sharedKey)
            phase = .established
            checkReady()
        } catch {
            fail(.handshake(Self.reason(error)))
            context.close(promise: nil)
        }
    }

    static func reason(_ error: Error) -> String {
        if case let ForwardProtocolError.handshake(m) = error { return m }
        return "\(error)"
    }

    typealias OutboundOut = ByteBuffer
}

/// Why a connection could not be used.
public enum ForwardConnectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Socket-level failure (connect refused, reset, TLS error …).
    case io(String)
    /// The `<security>` handshake failed with this reason (docs/forward-protocol.md, "Client-side checks").
    case handshake(String)
    /// The peer closed the connection.
    case closed
    /// A bound expired (connect, TLS, handshake or send timeout).
    case timeout(String)

    public var description: String {
        switch self {
        case .io(let m): m
        case .handshake(let m): m
        case .closed: "connection closed by peer"
        case .timeout(let m): m
        }
    }
}
