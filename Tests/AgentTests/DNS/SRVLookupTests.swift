import NIOCore
import NIOPosix
import Testing
@testable import Agent
import Simulator

/// `<service_discovery> @type srv`'s pieces: the record → service mapping (no I/O) and the SRV query through c-ares
/// against the simulator's DNS server on loopback (docs/agent-parameters.md, "<service_discovery>").
@Suite struct SRVLookupTests {
    private let config = SRVServiceDiscoveryConfig(service: "fluentd", hostname: "fwdlab.test")

    @Test func recordsBecomeServicesOrderedByPriority() throws {
        let records = [SRVRecord(priority: 20, weight: 10, port: 24226, target: "b.fwdlab.test"),
                       SRVRecord(priority: 10, weight: 0, port: 24225, target: "a.fwdlab.test"),
                       SRVRecord(priority: 20, weight: 5, port: 24227, target: "c.fwdlab.test")]
        let addresses = ["a.fwdlab.test": "127.0.0.1", "b.fwdlab.test": "127.0.0.2", "c.fwdlab.test": "127.0.0.3"]
        let s = try SRVDiscovery.services(records, config: config, addresses: addresses)
        #expect(s.map(\.host) == ["127.0.0.1", "127.0.0.2", "127.0.0.3"])
        #expect(s.map(\.name) == ["a.fwdlab.test", "b.fwdlab.test", "c.fwdlab.test"])
        // The SRV weight is the node weight as it is, 0 included; nobody is standby; sd_srv's '' credentials.
        #expect(s.map(\.weight) == [0, 10, 5])
        #expect(s.allSatisfy { $0.standby == false && $0.plugin == "srv" && $0.username == "" && $0.password == "" && $0.sharedKey == nil })
        var noLookup = config
        noLookup.dnsLookup = false
        #expect(try SRVDiscovery.services(records, config: noLookup, addresses: [:]).map(\.host).first == "a.fwdlab.test")
        #expect(throws: SRVLookupError(message: "DNS result has no information for b.fwdlab.test")) {
            try SRVDiscovery.services(records, config: config, addresses: ["a.fwdlab.test": "127.0.0.1"])
        }
    }

    @Test func srvQueryThroughCAresAndTheScenarioDNSServer() async throws {
        let zone = """
            zones: [fwdlab.test]
            names:
              _fluentd._tcp.fwdlab.test: {srv: [{priority: 1, weight: 60, port: 24301, target: r1.fwdlab.test}, {priority: 0, weight: 30, port: 24302, target: r2.fwdlab.test}]}
              r1.fwdlab.test: {addresses: [127.0.0.11]}
              r2.fwdlab.test: {addresses: [127.0.0.12, "::1"]}
            """
        let server = try await DNSServer.start(authority: DNSZoneFile.parse(yaml: zone).makeAuthority(),
                                               configuration: DNSServerConfiguration(hosts: ["127.0.0.1"]))
        defer { Task { await server.stop() } }
        let ns = "127.0.0.1:\(server.port)"
        let records = try CAresResolver.blockingSRVQuery(name: "_fluentd._tcp.fwdlab.test", nameserver: ns,
                                                         options: CAresResolverOptions(timeout: .milliseconds(500), tries: 1))
        #expect(records == [SRVRecord(priority: 1, weight: 60, port: 24301, target: "r1.fwdlab.test"),
                            SRVRecord(priority: 0, weight: 30, port: 24302, target: "r2.fwdlab.test")])
        #expect(SRVLookup.firstAddress("r2.fwdlab.test", nameserver: ns) == "127.0.0.12")
        // Through the shell's path (dns_server_host), on a thread pool.
        let pool = NIOThreadPool.singleton
        let group = MultiThreadedEventLoopGroup.singleton
        var c = config
        c.dnsServerHost = ns
        let services = try await SRVLookup.fetch(c, resolver: SystemAddressResolver(threadPool: pool), threadPool: pool,
                                                 on: group.next()).get()
        #expect(services.map(\.host) == ["127.0.0.12", "127.0.0.11"])
        #expect(services.map(\.port) == [24302, 24301])
        // An unknown name answers nothing (Ruby's getresources gives [] for NXDOMAIN), not an error.
        var missing = c
        missing.service = "nothing"
        #expect(try await SRVLookup.fetch(missing, resolver: SystemAddressResolver(threadPool: pool), threadPool: pool,
                                          on: group.next()).get().isEmpty)
    }
}
