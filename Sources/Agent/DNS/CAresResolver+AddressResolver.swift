import NIOCore
import NIOPosix

// Plugs the c-ares resolver into the agent shell's `AddressResolver` seam (Sources/Agent/Shell).
extension CAresResolver: AddressResolver {
    /// Same contract as `SystemAddressResolver`: address strings in answer order, completed on `loop`.
    public func resolve(host: String, port: Int, on loop: EventLoop) -> EventLoopFuture<[String]> {
        let promise = loop.makePromise(of: [String].self)
        promise.completeWithTask { try await self.lookup(host: host).ips }
        return promise.futureResult
    }

    /// A resolver for the `dns_resolver HOST[:PORT]` setting (an IP address; port 53 by default).
    public convenience init(dnsResolver: HostPort, options: CAresResolverOptions = CAresResolverOptions()) throws {
        try self.init(nameserverHost: dnsResolver.host, port: dnsResolver.port, options: options)
    }

    /// The agent's resolver: c-ares against `dnsResolver` when set, else the system resolver (getaddrinfo).
    public static func addressResolver(
        dnsResolver: HostPort?, threadPool: NIOThreadPool, options: CAresResolverOptions = CAresResolverOptions()
    ) throws -> any AddressResolver {
        guard let dnsResolver else { return SystemAddressResolver(threadPool: threadPool) }
        return try CAresResolver(dnsResolver: dnsResolver, options: options)
    }
}
