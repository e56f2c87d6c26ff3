import Testing
@testable import Simulator

@Suite struct DNSZoneFileTests {
    @Test func parsesNamesAddressesAndBehaviours() throws {
        let file = try DNSZoneFile.parse(yaml: """
            zones: [test]
            ttl: 20
            negative_ttl: 3
            names:
              receivers.test:
                addresses: [127.0.0.1, 127.0.0.2, "::1"]
                ttl: 5
                rotate: every_answer
              slow.test:
                a: 127.0.0.3
                delay_ms: 1500
              gone.test:
                behaviour: nxdomain
              broken.test: {behavior: servfail}
              short.test: [127.0.0.4]
              big.test: {addresses: [127.0.0.5], truncate_udp: true}
            """)
        #expect(file.zones == ["test"] && file.negativeTTL == 3)
        let rx = try #require(file.names["receivers.test"])
        #expect(rx.ipv4.map(\.description) == ["127.0.0.1", "127.0.0.2"] && rx.ipv6.map(\.description) == ["::1"])
        #expect(rx.ttl == 5 && rx.rotation == .everyAnswer && rx.behaviour == .answer)
        #expect(file.names["slow.test"]?.delay == .milliseconds(1500) && file.names["slow.test"]?.ttl == 20)
        #expect(file.names["gone.test"]?.behaviour == .nxdomain)
        #expect(file.names["broken.test"]?.behaviour == .servfail)
        #expect(file.names["short.test"]?.ipv4.first?.description == "127.0.0.4")
        #expect(file.names["big.test"]?.truncateUDP == true)
        let authority = file.makeAuthority()
        #expect(authority.zones == ["test"] && authority.names.count == 6)
    }

    @Test(arguments: [
        ("names: {a.test: {addresses: [not-an-ip]}}", "not an IP address"),
        ("names: {a.test: {behaviour: explode}}", "is not one of"),
        ("names: {a.test: {adresses: [127.0.0.1]}}", "unknown key"),
        ("zones: [test]\nnames: {a.example: [127.0.0.1]}", "outside zone"),
        ("names: {a.test: {ttl: -1}}", "non-negative integer"),
        ("names: {a.test: {aaaa: [127.0.0.1]}}", "wrong address family"),
        ("- just\n- a list", "must be a mapping"),
        ("names: [", "not valid YAML"),
    ])
    func rejectsMistakesWithClearMessages(_ yaml: String, _ expected: String) {
        do {
            _ = try DNSZoneFile.parse(yaml: yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func reloadReplacesNames() throws {
        let authority = try DNSZoneFile.parse(yaml: "names: {a.test: [127.0.0.1], b.test: [127.0.0.2]}").makeAuthority()
        try DNSZoneFile.parse(yaml: "names: {a.test: [127.0.0.9]}").apply(to: authority)
        #expect(authority.names == ["a.test"])
        #expect(authority.recordSet("a.test")?.ipv4.first?.description == "127.0.0.9")
    }
}
