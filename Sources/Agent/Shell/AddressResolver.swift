import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Name resolution for node hosts (docs/forward-protocol.md, "DNS"), behind a protocol so a resolver that queries a chosen nameserver can replace
/// the system one. Answers are IP address strings in resolver order.
public protocol AddressResolver: Sendable {
    /// Resolves `host` (stream sockets, any family); the future completes on `loop`.
    func resolve(host: String, port: Int, on loop: EventLoop) -> EventLoopFuture<[String]>
}

/// The system resolver (`getaddrinfo`), run on a thread pool so the event loop never blocks.
public struct SystemAddressResolver: AddressResolver {
    public let threadPool: NIOThreadPool

    public init(threadPool: NIOThreadPool) {
        self.threadPool = threadPool
    }

    public func resolve(host: String, port: Int, on loop: EventLoop) -> EventLoopFuture<[String]> {
        if let literal = try? SocketAddress(ipAddress: host, port: port), let ip = literal.ipAddress {
            return loop.makeSucceededFuture([ip])
        }
        return threadPool.runIfActive(eventLoop: loop) { try Self.getaddrinfo(host: host) }
    }

    /// Blocking lookup; throws `AddressResolutionError` with the resolver's message.
    public static func getaddrinfo(host: String) throws -> [String] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = 1  // SOCK_STREAM (1 on Linux and Darwin; the Glibc overlay does not export the name here)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = Glibc.getaddrinfo(host, nil, &hints, &result)
        guard rc == 0, let first = result else {
            throw AddressResolutionError(host: host, message: String(validatingCString: gai_strerror(rc)) ?? "error \(rc)")
        }
        defer { freeaddrinfo(first) }
        var out: [String] = []
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            var buf = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(ai.pointee.ai_addr, ai.pointee.ai_addrlen, &buf, socklen_t(buf.count), nil, 0, NI_NUMERICHOST) == 0 {
                let s = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !out.contains(s) { out.append(s) }
            }
            p = ai.pointee.ai_next
        }
        if out.isEmpty { throw AddressResolutionError(host: host, message: "no address") }
        return out
    }
}

/// A failed lookup (Ruby: `SocketError getaddrinfo: ...`).
public struct AddressResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var message: String
    public var description: String { "getaddrinfo: \(message)" }
}
