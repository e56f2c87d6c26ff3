import ForwardProtocol
import NIOCore
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// Opens connections to nodes: TCP or TLS (docs/forward-protocol.md, "Client TLS"), then the `<security>` handshake
/// ("Client-side checks"), each bounded.
///
/// `@unchecked Sendable` is safe: `nextID`, `salts` and `settings` (which grows when service discovery adds a node)
/// are only touched on `loop` (asserted); the rest is immutable.
final class NodeConnector: @unchecked Sendable {
    let loop: EventLoop
    private(set) var settings: AgentRuntimeSettings
    private let sslContext: NIOSSLContext?
    /// Set with `tls_allow_self_signed_cert` (and not insecure mode): verification runs through it.
    private let selfSignedVerifier: SelfSignedTolerantVerifier?
    private var nextID: UInt64 = 1
    /// Per-node shared_key salt, generated once per node (docs/forward-protocol.md, "Handshake messages").
    private var salts: [String]

    init(loop: EventLoop, settings: AgentRuntimeSettings) throws {
        self.loop = loop
        self.settings = settings
        if let tls = settings.tls {
            sslContext = try NIOSSLContext(configuration: tls.makeConfiguration())
            selfSignedVerifier = tls.allowSelfSignedCert && !tls.insecureMode
                ? try SelfSignedTolerantVerifier(caCertPaths: tls.caCertPaths) : nil
        } else {
            sslContext = nil
            selfSignedVerifier = nil
        }
        salts = settings.nodes.map { _ in Self.newSalt() }
    }

    private static func newSalt() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }

    /// A node service discovery brought in: same index as in the core, its own credentials and salt.
    func appendDiscovered(_ service: DiscoveredService) {
        loop.assertInEventLoop()
        settings.appendDiscovered(service)
        while salts.count < settings.nodes.count { salts.append(Self.newSalt()) }
    }

    /// The name sent as SNI and verified (docs/forward-protocol.md, "TLS name"), nil for plain TCP.
    func tlsName(node: Int) -> String? {
        guard settings.tls != nil, settings.nodes.indices.contains(node) else { return nil }
        let n = settings.nodes[node]
        return TLSClientConfig.serverName(host: n.host, name: n.name)
    }

    func cacheKey(node: Int, address: String) -> SocketCacheKey {
        SocketCacheKey(ip: address, port: settings.nodes[node].port, tlsName: tlsName(node: node))
    }

    /// Connects to `address` for `node`; `connectTimeout` overrides the configured bound (heartbeat probes).
    func connect(node: Int, address: String, connectTimeout: AgentSeconds? = nil) -> EventLoopFuture<NodeConnection> {
        loop.assertInEventLoop()
        let n = settings.nodes[node]
        let id = nextID
        nextID += 1
        let ready = loop.makePromise(of: Void.self)
        var hs: ForwardClientHandler.Handshake?
        if let sec = settings.security {
            let cred = settings.credentials(for: node)
            hs = .init(selfHostname: sec.selfHostname, sharedKey: cred.sharedKey ?? sec.sharedKey,
                       username: cred.username, password: cred.password, salt: salts[node])
        }
        let handler = ForwardClientHandler(handshake: hs, tls: sslContext != nil, ackReads: settings.behaviour.ackReads, ready: ready)
        let boundHandler = NIOLoopBound(handler, eventLoop: loop)
        let ssl = sslContext
        let name = tlsName(node: node)
        // The verifier is Sendable, its callback is not: the callback is made on the channel's own loop.
        let verifier = selfSignedVerifier
        let verifyName = settings.tls?.verifyHostname == true ? name : nil
        // Fluentd: nil connect_timeout → the OS connect timeout (Linux ≈ 127 s of SYN retries).
        let bound = connectTimeout ?? settings.connectTimeout ?? 127
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(Int64(max(0.001, bound) * 1e9)))
            // No TCP_NODELAY: out_forward's sockets keep Nagle on (socket_create_tcp sets linger and timeouts only).
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let ssl {
                        if let verifier {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: ssl, serverHostname: name,
                                                    customVerificationCallback: verifier.callback(hostname: verifyName)))
                        } else {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: ssl, serverHostname: name))
                        }
                    }
                    try channel.pipeline.syncOperations.addHandler(boundHandler.value)
                }
            }
        let port = n.port
        let key = cacheKey(node: node, address: address)
        let tlsBound: AgentSeconds? = ssl != nil ? bound : nil
        let hsBound: AgentSeconds? = hs == nil ? nil : handshakeBound()
        let loop = self.loop
        return bootstrap.connect(host: address, port: port)
            .flatMapErrorThrowing { error in
                let described = NodeConnector.describe(error, host: address, port: port)
                ready.fail(described)  // never leak the readiness promise
                throw described
            }
            .flatMap { channel -> EventLoopFuture<NodeConnection> in
                let timer: Scheduled<Void>?
                if tlsBound != nil || hsBound != nil {
                    let limit = (tlsBound ?? 0) + (hsBound ?? 0)
                    timer = loop.scheduleTask(in: .nanoseconds(Int64(limit * 1e9))) {
                        ready.fail(ForwardConnectionError.timeout(hsBound != nil ? "handshake timeout" : "TLS handshake timeout"))
                        channel.close(promise: nil)
                    }
                } else {
                    timer = nil
                }
                return ready.futureResult.map {
                    timer?.cancel()
                    return NodeConnection(id: id, node: node, key: key, channel: channel, handler: boundHandler.value)
                }.flatMapError { error in
                    timer?.cancel()
                    channel.close(promise: nil)
                    return loop.makeFailedFuture(error)
                }
            }
    }

    private func handshakeBound() -> AgentSeconds? {
        switch settings.behaviour.handshakeTimeout {
        case .hardTimeout: settings.forwarder.hardTimeout
        case .unbounded: nil
        case .seconds(let s): s
        }
    }

    /// Maps NIO's connect errors to Fluentd-like error classes and messages.
    static func describe(_ error: Error, host: String, port: Int) -> Error {
        var errnoCode: Int32?
        if let e = error as? IOError { errnoCode = e.errnoCode }
        if let e = error as? NIOConnectionError {
            for f in e.connectionErrors {
                if let io = f.error as? IOError { errnoCode = io.errnoCode }
            }
            if errnoCode == nil, e.dnsAError != nil || e.dnsAAAAError != nil {
                return ForwardSendError(errorClass: "SocketError", message: "getaddrinfo: \(host)", expected: false)
            }
        }
        if let e = error as? ChannelError, case .connectTimeout = e {
            return ForwardSendError(errorClass: "Errno::ETIMEDOUT", message: "Connection timed out - connect(2) for \"\(host)\" port \(port)", expected: true)
        }
        if let code = errnoCode {
            switch code {
            case ECONNREFUSED:
                return ForwardSendError(errorClass: "Errno::ECONNREFUSED", message: "Connection refused - connect(2) for \"\(host)\" port \(port)", expected: true)
            case ETIMEDOUT:
                return ForwardSendError(errorClass: "Errno::ETIMEDOUT", message: "Connection timed out - connect(2) for \"\(host)\" port \(port)", expected: true)
            case EHOSTUNREACH:
                return ForwardSendError(errorClass: "Errno::EHOSTUNREACH", message: "No route to host - connect(2) for \"\(host)\" port \(port)", expected: false)
            case ENETUNREACH:
                return ForwardSendError(errorClass: "Errno::ENETUNREACH", message: "Network is unreachable - connect(2) for \"\(host)\" port \(port)", expected: false)
            default:
                return ForwardSendError(errorClass: "SystemCallError", message: "\((String(validatingCString: strerror(code)) ?? "errno \(code)")) - connect(2) for \"\(host)\" port \(port)", expected: false)
            }
        }
        return ForwardSendError(errorClass: "IOError", message: "\(error)", expected: false)
    }
}

extension ForwardSendError {
    /// Classifies any error from the connection path.
    static func from(_ error: Error) -> ForwardSendError {
        if let e = error as? ForwardSendError { return e }
        if let e = error as? ForwardConnectionError {
            switch e {
            case .handshake(let r): return ForwardSendError(errorClass: "Fluent::Plugin::ForwardOutput::ConnectionClosedError", message: r, expected: false)
            case .timeout(let m): return ForwardSendError(errorClass: "Errno::ETIMEDOUT", message: m, expected: true)
            case .closed: return ForwardSendError(errorClass: "Errno::ECONNRESET", message: "Connection reset by peer", expected: false)
            case .io(let m): return ForwardSendError(errorClass: "IOError", message: m, expected: false)
            }
        }
        if error is NoNodesAvailable { return .noNodesAvailable }
        return ForwardSendError(errorClass: "StandardError", message: "\(error)", expected: false)
    }
}
