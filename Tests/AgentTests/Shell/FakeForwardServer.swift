import Agent
import ForwardProtocol
import ForwardServer
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A minimal in-test in_forward: records every request and connection, answers acks according to `AckBehaviour`,
/// optionally runs the `<security>` handshake, TLS, and the UDP heartbeat echo.
final class FakeForwardServer: @unchecked Sendable {
    // @unchecked: the recorded state lives in `state` (locked); the channel references are set once while
    // `start` binds, before the server is handed to anyone, and only read by `stop` afterwards.
    enum AckBehaviour: Sendable { case ack, never, wrong, closeBeforeAck, fragmented }

    struct Security: Sendable {
        var hostname = "server.example"
        var sharedKey = "secret"
        /// Overrides the PONG (nil: verify the PING and answer honestly).
        var forcePongFailure: String? = nil
        /// Never send HELO (a hung handshake).
        var silent = false
    }

    struct Options: Sendable {
        var ack: AckBehaviour = .ack
        var security: Security? = nil
        var tls: NIOSSLContext? = nil
        var udp = false
        /// Reply to UDP heartbeats from another socket (wrong source port).
        var udpReplyFromOtherPort = false
    }

    struct Request: Sendable {
        var connection: Int
        var raw: [UInt8]
        var tag: String
        var entries: ByteBuffer
        var size: Int64?
        var compressed: String?
        var chunk: String?
    }

    struct State {
        var requests: [Request] = []
        var connections = 0
        var bytesPerConnection: [Int: Int] = [:]
        var closedConnections: Set<Int> = []
        var udpDatagrams: [[UInt8]] = []
        var pings = 0
        var children: [Channel] = []
    }

    let state = NIOLockedValueBox(State())
    let options: Options
    private(set) var port = 0
    private var tcp: Channel?
    private var udpChannel: Channel?
    private var otherUDP: Channel?
    let group: EventLoopGroup

    init(group: EventLoopGroup, options: Options) {
        self.group = group
        self.options = options
    }

    static func start(group: EventLoopGroup, options: Options = Options(), port: Int = 0) async throws -> FakeForwardServer {
        let s = FakeForwardServer(group: group, options: options)
        try await s.bind(port: port)
        return s
    }

    private func bind(port: Int) async throws {
        let opts = options
        let server = self
        tcp = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    let id = server.state.withLockedValue { s -> Int in
                        s.children.append(ch)
                        s.connections += 1
                        s.bytesPerConnection[s.connections] = 0
                        return s.connections
                    }
                    if let tls = opts.tls {
                        try ch.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try ch.pipeline.syncOperations.addHandler(FakeConnectionHandler(server: server, id: id, options: opts))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        self.port = tcp!.localAddress!.port!
        if opts.udp {
            let other = opts.udpReplyFromOtherPort
                ? try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get() : nil
            otherUDP = other
            udpChannel = try await DatagramBootstrap(group: group)
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture {
                        try ch.pipeline.syncOperations.addHandler(FakeUDPHandler(server: server, replyVia: other))
                    }
                }
                .bind(host: "127.0.0.1", port: self.port).get()
        }
    }

    /// Closes the listener and every accepted connection (a killed receiver).
    func stop() async {
        try? await tcp?.close()
        for c in state.withLockedValue({ $0.children }) { try? await c.close() }
        try? await udpChannel?.close()
        try? await otherUDP?.close()
    }

    var requests: [Request] { state.withLockedValue { $0.requests } }

    /// The `a` values of every record received (decoded from the entries).
    var seqs: [Int] {
        var out: [Int] = []
        for r in requests {
            let plain = r.compressed == "gzip" ? ((try? GzipMembers.decompress(r.entries)) ?? ByteBuffer()) : r.entries
            var it = ForwardEntryIterator(packed: plain)
            while let e = try? it.next() {
                if let v = try? MessagePackValue.decode(e.record), let a = v["a"]?.intValue { out.append(Int(a)) }
            }
        }
        return out
    }
    var connections: Int { state.withLockedValue { $0.connections } }
}

private final class FakeConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let server: FakeForwardServer
    let id: Int
    let options: FakeForwardServer.Options
    var buffer = ByteBuffer()
    var scanner = MessagePackFrameScanner()
    var nonce: [UInt8] = Array(repeating: 7, count: 16)
    var authed: Bool

    init(server: FakeForwardServer, id: Int, options: FakeForwardServer.Options) {
        self.server = server
        self.id = id
        self.options = options
        self.authed = options.security == nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if let sec = options.security, !sec.silent {
            var out = context.channel.allocator.buffer(capacity: 64)
            Helo(nonce: nonce, auth: Array(repeating: 9, count: 16), keepalive: true).encode(into: &out)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        server.state.withLockedValue { _ = $0.closedConnections.insert(id) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        server.state.withLockedValue { $0.bytesPerConnection[id, default: 0] += bytes.readableBytes }
        buffer.writeBuffer(&bytes)
        while true {
            guard case let .frame(length)? = try? scanner.scan(buffer) else { return }
            scanner.reset()
            let frame = buffer.readSlice(length: length)!
            buffer.discardReadBytes()
            handle(frame, context: context)
        }
    }

    private func handle(_ frame: ByteBuffer, context: ChannelHandlerContext) {
        guard let value = try? MessagePackValue.decode(frame) else { return }
        if !authed, let sec = options.security {
            server.state.withLockedValue { $0.pings += 1 }
            var out = context.channel.allocator.buffer(capacity: 256)
            guard let ping = try? Ping(value) else {
                Pong.failure("invalid ping message").encode(into: &out)
                let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in ctx.value.close(promise: nil) }
                return
            }
            let expected = HandshakeDigest.sharedKey(salt: Array(ping.sharedKeySalt.utf8), hostname: ping.clientHostname, nonce: nonce, sharedKey: sec.sharedKey)
            if let reason = sec.forcePongFailure ?? (expected == ping.sharedKeyHexdigest ? nil : "shared_key mismatch") {
                Pong.failure(reason).encode(into: &out)
                let ctx = NIOLoopBound(context, eventLoop: context.eventLoop)
                context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in ctx.value.close(promise: nil) }
                return
            }
            Pong.success(ping: ping, serverHostname: sec.hostname, nonce: nonce, sharedKey: sec.sharedKey).encode(into: &out)
            authed = true
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
            return
        }
        guard let a = value.arrayValue, a.count >= 2, let tag = a[0].stringValue, let blob = a[1].bytesValue else { return }
        let option: MessagePackValue? = a.count > 2 ? a[2] : nil
        let chunk = option?["chunk"]?.stringValue
        let req = FakeForwardServer.Request(connection: id, raw: Array(frame.readableBytesView), tag: tag,
                                           entries: ByteBuffer(bytes: blob), size: option?["size"]?.intValue,
                                           compressed: option?["compressed"]?.stringValue, chunk: chunk)
        server.state.withLockedValue { $0.requests.append(req) }
        guard let chunk else { return }
        var out = context.channel.allocator.buffer(capacity: 64)
        switch options.ack {
        case .ack:
            ForwardAck.write(chunk: chunk, into: &out)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        case .never:
            break
        case .wrong:
            ForwardAck.write(chunk: "AAAAAAAAAAAAAAAAAAAAAA==\n", into: &out)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        case .closeBeforeAck:
            context.close(promise: nil)
        case .fragmented:
            ForwardAck.write(chunk: chunk, into: &out)
            let first = out.readSlice(length: 5)!
            context.writeAndFlush(wrapOutboundOut(first), promise: nil)
            let rest = out
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(100)) {
                loopBound.value.writeAndFlush(NIOAny(rest), promise: nil)
            }
        }
    }
}

private final class FakeUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let server: FakeForwardServer
    let replyVia: Channel?

    init(server: FakeForwardServer, replyVia: Channel?) {
        self.server = server
        self.replyVia = replyVia
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let env = unwrapInboundIn(data)
        server.state.withLockedValue { $0.udpDatagrams.append(Array(env.data.readableBytesView)) }
        var b = context.channel.allocator.buffer(capacity: 1)
        b.writeInteger(UInt8(0))
        let reply = AddressedEnvelope(remoteAddress: env.remoteAddress, data: b)
        if let other = replyVia {
            other.writeAndFlush(reply, promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        }
    }
}

/// Collects log lines for assertions.
final class ShellLogCapture: @unchecked Sendable {
    // @unchecked: `lines` is only touched under `lock`.
    private let lock = NIOLock()
    private var lines: [(Logger.Level, String)] = []

    func append(_ level: Logger.Level, _ message: String) { lock.withLock { lines.append((level, message)) } }
    func contains(_ needle: String) -> Bool { lock.withLock { lines.contains { $0.1.contains(needle) } } }
    func count(_ needle: String) -> Int { lock.withLock { lines.filter { $0.1.contains(needle) }.count } }
    var all: [String] { lock.withLock { lines.map(\.1) } }

    var logger: Logger {
        var l = Logger(label: "test.agent") { _ in ShellCapturingLogHandler(sink: self) }
        l.logLevel = .trace
        return l
    }
}

struct ShellCapturingLogHandler: LogHandler {
    let sink: ShellLogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        sink.append(event.level, event.message.description)
    }
}

/// Shared helpers for shell tests.
enum ShellTestSupport {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    /// Settings for one local node with fast timers and no heartbeats unless asked.
    static func settings(ports: [Int], heartbeat: HeartbeatType = .none, ack: Bool = false) -> AgentRuntimeSettings {
        var s = AgentRuntimeSettings()
        s.nodes = ports.enumerated().map { ForwarderNodeConfig(name: "n\($0.offset)", host: "127.0.0.1", port: $0.element) }
        s.forwarder.heartbeatType = heartbeat
        s.forwarder.heartbeatInterval = 0.2
        s.forwarder.requireAckResponse = ack
        s.forwarder.seed = 42
        s.buffer.flushInterval = 3600
        s.flushThreadBurstInterval = 0.05
        s.flushThreadInterval = 0.05
        s.retry.wait = 0.1
        s.retry.randomize = false
        return s
    }

    /// `{"a": n}` encoded.
    static func record(_ n: Int) -> ByteBuffer {
        MessagePackValue.map([MessagePackPair(.str("a"), .int(Int64(n)))]).encoded
    }

    static let time = EventTime(seconds: 1_293_974_055)
}
