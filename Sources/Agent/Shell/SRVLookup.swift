import NIOCore
import NIOPosix

/// sd_srv's `fetch_srv_record` over the agent's DNS path (docs/agent-parameters.md, "<service_discovery>"): the
/// query goes to `dns_server_host` when set, else to the agent's `--dns-resolver`, else to the system's servers;
/// with `dns_lookup` each target is resolved by the same server (A first, as Ruby's `getaddress`). Runs on the pool.
enum SRVLookup {
    /// The services, or an empty list when the SRV query itself failed (Ruby's `getresources` answers [] for
    /// NXDOMAIN, SERVFAIL or a timeout); a target that does not resolve fails the whole fetch.
    static func fetch(_ config: SRVServiceDiscoveryConfig, resolver: any AddressResolver, threadPool: NIOThreadPool,
                      on loop: EventLoop) -> EventLoopFuture<[DiscoveredService]> {
        let nameserver: String?
        if let d = config.dnsServerHost, let hp = HostPort.parse(d, defaultPort: 53) {
            nameserver = hp.host.contains(":") ? "[\(hp.host)]:\(hp.port)" : "\(hp.host):\(hp.port)"
        } else {
            nameserver = (resolver as? CAresResolver)?.nameserver
        }
        return threadPool.runIfActive(eventLoop: loop) { () throws -> [DiscoveredService] in
            let records = (try? CAresResolver.blockingSRVQuery(name: config.target, nameserver: nameserver)) ?? []
            var addresses: [String: String] = [:]
            if config.dnsLookup {
                for r in records where addresses[r.target] == nil {
                    addresses[r.target] = firstAddress(r.target, nameserver: nameserver)
                }
            }
            return try SRVDiscovery.services(records, config: config, addresses: addresses)
        }
    }

    /// The first address of `host`: its first A record, else its first AAAA (nil: none).
    static func firstAddress(_ host: String, nameserver: String?) -> String? {
        guard let nameserver else { return (try? SystemAddressResolver.getaddrinfo(host: host))?.first }
        var v4 = CAresResolverOptions()
        v4.family = .ipv4
        if let a = try? CAresResolver.blockingLookup(host: host, nameserver: nameserver, options: v4).ips.first { return a }
        var v6 = CAresResolverOptions()
        v6.family = .ipv6
        return try? CAresResolver.blockingLookup(host: host, nameserver: nameserver, options: v6).ips.first
    }
}
