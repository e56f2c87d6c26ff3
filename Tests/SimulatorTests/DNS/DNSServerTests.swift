import Testing
@testable import Simulator

@Suite struct DNSServerTests {
    private func server() async throws -> DNSServer {
        let authority = DNSAuthority(
            zones: ["test"],
            names: [
                "rx.test": DNSRecordSet(addresses: [DNSAddress("127.0.0.1")!], ttl: 9),
                "many.test": DNSRecordSet(addresses: (1...60).compactMap { DNSAddress("127.0.1.\($0)") }, ttl: 9),
                "tc.test": DNSRecordSet(addresses: [DNSAddress("127.0.0.3")!], truncateUDP: true),
            ])
        return try await DNSServer.start(authority: authority)
    }

    private func query(_ name: DNSName, id: UInt16 = 0x4242) throws -> [UInt8] {
        try DNSMessage(header: DNSHeader(id: id, recursionDesired: true), questions: [DNSQuestion(name: name, type: .a)]).encode()
    }

    @Test func answersOverUDPAndTCPOnTheSamePort() async throws {
        let s = try await server()
        defer { Task { await s.stop() } }
        #expect(s.port > 0 && s.nameserver == "127.0.0.1:\(s.port)")
        let udp = try DNSMessage(decoding: try #require(RawDNSClient.udp(try query("rx.test"), port: s.port)))
        #expect(udp.header.id == 0x4242 && udp.answers.first?.data == .address(DNSAddress("127.0.0.1")!))
        let tcp = try DNSMessage(decoding: try #require(RawDNSClient.tcp(RawDNSClient.framed(try query("rx.test", id: 7)), port: s.port)))
        #expect(tcp.header.id == 7 && tcp.answers.count == 1)
        #expect(s.authority.queryLog.map(\.transport) == [.udp, .tcp])
        #expect(s.authority.queryLog.first?.client.hasPrefix("127.0.0.1:") == true)
    }

    @Test func largeAndForcedAnswersAreTruncatedOverUDPButWholeOverTCP() async throws {
        let s = try await server()
        defer { Task { await s.stop() } }
        let udp = try DNSMessage(decoding: try #require(RawDNSClient.udp(try query("many.test"), port: s.port)))
        #expect(udp.header.truncated && udp.answers.count < 60)
        let tcp = try DNSMessage(decoding: try #require(RawDNSClient.tcp(RawDNSClient.framed(try query("many.test")), port: s.port)))
        #expect(!tcp.header.truncated && tcp.answers.count == 60)
        let forced = try DNSMessage(decoding: try #require(RawDNSClient.udp(try query("tc.test"), port: s.port)))
        #expect(forced.header.truncated && forced.answers.isEmpty)
        #expect(s.authority.queryLog.filter(\.truncated).count == 2)
    }

    @Test func malformedQueriesAreLoggedAndDroppedAndTheServerKeepsServing() async throws {
        let s = try await server()
        defer { Task { await s.stop() } }
        for (_, hex) in DNSWireTests.malformed where !hex.isEmpty {
            #expect(RawDNSClient.udp(Hex.bytes(hex), port: s.port, timeoutMs: 100) == nil)
        }
        // Two TCP frames of garbage then a good query on one connection: only the good one is answered.
        let stream = RawDNSClient.framed([1, 2, 3]) + RawDNSClient.framed(Hex.bytes("c00c")) + RawDNSClient.framed(try query("rx.test", id: 99))
        let reply = try DNSMessage(decoding: try #require(RawDNSClient.tcp(stream, port: s.port)))
        #expect(reply.header.id == 99)
        #expect(s.authority.queryLog.filter { $0.outcome == "malformed" }.count >= 12)
        #expect(RawDNSClient.udp(try query("rx.test"), port: s.port) != nil)
    }

    @Test func bindsIPv6Loopback() async throws {
        let s = try await DNSServer.start(authority: DNSAuthority(), configuration: DNSServerConfiguration(hosts: ["::1", "127.0.0.1"]))
        defer { Task { await s.stop() } }
        #expect(s.nameserver == "[::1]:\(s.port)")
        #expect(s.localAddresses.count == 4)
        // Nothing configured: everything is REFUSED.
        let r = try DNSMessage(decoding: try #require(RawDNSClient.udp(try query("rx.test"), port: s.port)))
        #expect(r.header.responseCode == .refused)
    }
}
