import NIOCore
import NIOPosix
import Testing
@testable import Agent
import Simulator

/// The agent's c-ares resolver against the simulator's DNS server on loopback.
@Suite struct CAresResolverTests {
    private static let zone = """
        zones: [test]
        names:
          rx.test: {addresses: [127.0.0.1, 127.0.0.2, "::1"], ttl: 30}
          v6only.test: {aaaa: ["::2"], ttl: 12}
          gone.test: {behaviour: nxdomain}
          broken.test: {behaviour: servfail}
          silent.test: {addresses: [127.0.0.1], behaviour: drop}
          slow.test: {addresses: [127.0.0.7], delay_ms: 1500}
          rr.test: {addresses: [127.0.0.1, 127.0.0.2, 127.0.0.3], rotate: every_answer}
          tc.test: {addresses: [127.0.0.4], truncate_udp: true}
        """

    private func server(hosts: [String] = ["127.0.0.1"]) async throws -> DNSServer {
        try await DNSServer.start(authority: DNSZoneFile.parse(yaml: Self.zone).makeAuthority(), configuration: DNSServerConfiguration(hosts: hosts))
    }

    private func resolver(_ s: DNSServer, _ tweak: (inout CAresResolverOptions) -> Void = { _ in }) throws -> CAresResolver {
        var options = CAresResolverOptions(timeout: .milliseconds(300), tries: 1)
        tweak(&options)
        let host = s.localAddresses.first?.ipAddress ?? "127.0.0.1"
        return try CAresResolver(nameserverHost: host, port: s.port, options: options)
    }

    private func failure(_ body: () async throws -> DNSResolution) async -> DNSResolutionError? {
        do {
            let r = try await body()
            Issue.record("unexpected answer \(r.ips)")
            return nil
        } catch let error as DNSResolutionError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func resolvesAAndAAAAWithTTLs() async throws {
        let s = try await server()
        defer { Task { await s.stop() } }
        let v4 = try await resolver(s) { $0.family = .ipv4 }.lookup(host: "rx.test")
        #expect(v4.ips == ["127.0.0.1", "127.0.0.2"])
        #expect(v4.addresses.allSatisfy { $0.ttl == 30 && !$0.isIPv6 } && v4.ttl == 30)
        let v6 = try await resolver(s) { $0.family = .ipv6 }.lookup(host: "v6only.test")
        #expect(v6.ips == ["::2"] && v6.ttl == 12 && v6.addresses.first?.isIPv6 == true)
        let both = try await resolver(s).lookup(host: "rx.test")
        #expect(Set(both.ips) == ["127.0.0.1", "127.0.0.2", "::1"])
        let types = Set(s.authority.queryLog(for: "rx.test").map(\.type))
        #expect(types == ["A", "AAAA"])
        let addresses = try await resolver(s) { $0.family = .ipv4 }.resolve(host: "rx.test", port: 24224)
        #expect(addresses.map(\.port) == [24224, 24224])
    }

    @Test func literalsNeedNoQuery() async throws {
        let s = try await server()
        defer { Task { await s.stop() } }
        let r = try await resolver(s).lookup(host: "127.0.0.9")
        #expect(r.ips == ["127.0.0.9"] && r.ttl == nil)
        #expect(s.authority.queryLog.isEmpty)
    }

    @Test func nxdomainServfailRefusedMapToFluentdMessages() async throws {
        let s = try await server()
        defer { Task { await s.stop() } }
        let r = try resolver(s)
        let nx = await failure { try await r.lookup(host: "gone.test") }
        #expect(nx?.kind == .notFound && nx?.fluentdMessage == "getaddrinfo: Name or service not known")
        #expect(nx?.isTemporary == false && nx?.nameserver == s.nameserver)
        let unknown = await failure { try await r.lookup(host: "never-configured.test") }
        #expect(unknown?.kind == .notFound)
        let sf = await failure { try await r.lookup(host: "broken.test") }
        #expect(sf?.kind == .serverFailure && sf?.fluentdMessage == "getaddrinfo: Temporary failure in name resolution")
        let refused = await failure { try await r.lookup(host: "example.com") }
        #expect(refused?.kind == .refused && refused?.isTemporary == true)
        #expect(sf.map { "\($0)" }?.contains("broken.test") == true)
    }

    @Test func slowAndDroppedAnswersTimeOutWithinTheBound() async throws {
        let s = try await server()
        defer { Task { await s.stop() } }
        let r = try resolver(s) { $0.family = .ipv4 }
        // A 300 ms × 1 try lookup must give up rather than wait for the answer the server sends after
        // 1.5 s: the timeout kind proves it (a late timer would have read the answer instead). No
        // wall-clock bound here: on a loaded CI machine the resolver thread may be scheduled late.
        let slow = await failure { try await r.lookup(host: "slow.test") }
        #expect(slow?.kind == .timeout && slow?.isTemporary == true)
        let dropped = await failure { try await r.lookup(host: "silent.test") }
        #expect(dropped?.kind == .timeout)
        #expect(s.authority.queryLog(for: "slow.test").first?.delayMilliseconds == 1500)
        #expect(s.authority.queryLog(for: "silent.test").first?.outcome == "dropped")
        // With a timeout above the delay the slow answer arrives.
        let patient = try resolver(s) { $0.family = .ipv4; $0.timeout = .seconds(4) }
        #expect(try await patient.lookup(host: "slow.test").ips == ["127.0.0.7"])
    }

    @Test func answerSetChangesAreSeenOnTheNextQuery() async throws {
        let s = try await server()
        defer { Task { await s.stop() } }
        let r = try resolver(s) { $0.family = .ipv4 }
        s.authority.setTTL(1, for: "rx.test")
        let before = try await r.lookup(host: "rx.test")
        #expect(before.ips == ["127.0.0.1", "127.0.0.2"] && before.ttl == 1)
        // Pods come and go: one leaves, one joins; c-ares keeps no cache, so the next query sees it.
        s.authority.removeAddress(DNSAddress("127.0.0.1")!, from: "rx.test")
        s.authority.addAddress(DNSAddress("127.0.0.3")!, to: "rx.test")
        s.authority.setTTL(5, for: "rx.test")
        let after = try await r.lookup(host: "rx.test")
        #expect(after.ips == ["127.0.0.2", "127.0.0.3"] && after.ttl == 5)
        s.authority.setBehaviour(.nxdomain, for: "rx.test")
        #expect(await failure { try await r.lookup(host: "rx.test") }?.kind == .notFound)
    }

    @Test func rotationEveryAnswerAndOnCue() async throws {
        let s = try await server()
        defer { Task { await s.stop() } }
        let r = try resolver(s) { $0.family = .ipv4 }
        var firsts: [String] = []
        for _ in 0..<4 { firsts.append(try await r.lookup(host: "rr.test").ips.first ?? "") }
        #expect(firsts == ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.1"])
        s.authority.setRotation(.onCue, for: "rr.test")
        let a = try await r.lookup(host: "rr.test").ips
        s.authority.rotate("rr.test")
        let b = try await r.lookup(host: "rr.test").ips
        #expect(a == ["127.0.0.2", "127.0.0.3", "127.0.0.1"] && b == ["127.0.0.3", "127.0.0.1", "127.0.0.2"])
    }

    @Test func queriesOverTCPAndFallsBackAfterTruncation() async throws {
        let s = try await server()
        defer { Task { await s.stop() } }
        let tcp = try resolver(s) { $0.family = .ipv4; $0.useTCP = true }
        #expect(try await tcp.lookup(host: "rx.test").ips == ["127.0.0.1", "127.0.0.2"])
        #expect(s.authority.queryLog.map(\.transport) == [.tcp])
        let udp = try resolver(s) { $0.family = .ipv4 }
        #expect(try await udp.lookup(host: "tc.test").ips == ["127.0.0.4"])
        let log = s.authority.queryLog(for: "tc.test")
        #expect(log.map(\.transport) == [.udp, .tcp] && log.first?.truncated == true)
    }

    @Test func nameserverOnIPv6Loopback() async throws {
        let s = try await server(hosts: ["::1"])
        defer { Task { await s.stop() } }
        let r = try resolver(s) { $0.family = .ipv4 }
        #expect(r.nameserver == "[::1]:\(s.port)")
        #expect(try await r.lookup(host: "rx.test").ips == ["127.0.0.1", "127.0.0.2"])
        #expect(s.authority.queryLog.first?.client.hasPrefix("[::1]:") == true)
    }

    @Test func cancellationStopsALookupPromptly() async throws {
        let s = try await server()
        defer { Task { await s.stop() } }
        let r = try resolver(s) { $0.family = .ipv4; $0.timeout = .seconds(10); $0.tries = 3 }
        let clock = ContinuousClock()
        let start = clock.now
        let task = Task { try await r.lookup(host: "silent.test") }
        // Cancel once the server has seen the query, so the lookup is surely in flight.
        while s.authority.queryLog.isEmpty && clock.now - start < .seconds(5) { await Task.yield() }
        let cancelledAt = clock.now
        task.cancel()
        let error = await failure { try await task.value }
        #expect(error?.kind == .cancelled)
        // The lookup would otherwise run for 3 tries × 10 s.
        #expect(clock.now - cancelledAt < .seconds(3))
    }

    @Test func rejectsNonAddressNameserverAndPlugsIntoTheShell() async throws {
        #expect(throws: DNSResolutionError.self) { try CAresResolver(nameserverHost: "dns.example", port: 53) }
        #expect(throws: DNSResolutionError.self) { try CAresResolver(nameserverHost: "127.0.0.1", port: 0) }
        let s = try await server()
        defer { Task { await s.stop() } }
        let pool = NIOThreadPool.singleton
        let resolver = try CAresResolver.addressResolver(dnsResolver: HostPort(host: "127.0.0.1", port: s.port), threadPool: pool)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let ips = try await resolver.resolve(host: "rx.test", port: 24224, on: loop).get()
        #expect(Set(ips) == ["127.0.0.1", "127.0.0.2", "::1"])
        #expect(try CAresResolver.addressResolver(dnsResolver: nil, threadPool: pool) is SystemAddressResolver)
    }
}
