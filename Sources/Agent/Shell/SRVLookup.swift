import NIOCore

/// sd_srv's `fetch_srv_record` over the agent's DNS path (docs/agent-parameters.md, "<service_discovery>").
enum SRVLookup {
    /// The services the SRV records of `config.target` name, ordered by priority.
    static func fetch(_ config: SRVServiceDiscoveryConfig, resolver: any AddressResolver, on loop: EventLoop) -> EventLoopFuture<[DiscoveredService]> {
        loop.makeFailedFuture(AddressResolutionError(host: config.target, message: "SRV queries are not implemented"))
    }
}
