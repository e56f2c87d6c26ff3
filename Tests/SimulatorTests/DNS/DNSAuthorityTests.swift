import Testing
@testable import Simulator

@Suite struct DNSAuthorityTests {
    private func authority() -> DNSAuthority {
        DNSAuthority(
            zones: ["test"],
            names: [
                "rx.test": DNSRecordSet(addresses: [DNSAddress("127.0.0.1")!, DNSAddress("127.0.0.2")!, DNSAddress("::1")!], ttl: 7),
                "deep.a.test": DNSRecordSet(addresses: [DNSAddress("127.0.0.9")!]),
            ])
    }

    private func ask(_ a: DNSAuthority, _ name: DNSName, _ type: DNSRecordType = .a, edns: UInt16? = nil) -> DNSDecision {
        var query = DNSMessage(header: DNSHeader(id: 42, recursionDesired: true), questions: [DNSQuestion(name: name, type: type)])
        if let edns { query.additionals = [.opt(udpPayloadSize: edns)] }
        return a.respond(to: query, client: "127.0.0.1:1", transport: .udp)
    }

    @Test func answersAuthoritativelyWithEchoedIDAndFlags() throws {
        let d = ask(authority(), "RX.test")
        let r = try #require(d.response)
        #expect(r.header.id == 42 && r.header.isResponse && r.header.authoritative && r.header.recursionDesired && r.header.recursionAvailable)
        #expect(r.header.responseCode == .noError)
        #expect(r.questions.first?.name.description == "RX.test")
        #expect(r.answers.map(\.data) == [.address(DNSAddress("127.0.0.1")!), .address(DNSAddress("127.0.0.2")!)])
        #expect(r.answers.allSatisfy { $0.ttl == 7 })
        #expect(d.logEntry.answers == ["127.0.0.1", "127.0.0.2"] && d.logEntry.outcome == "NOERROR")
        #expect(ask(authority(), "rx.test", .aaaa).response?.answers.map(\.data) == [.address(DNSAddress("::1")!)])
    }

    @Test func outsideZonesIsRefusedInsideUnknownIsNXDOMAIN() throws {
        let a = authority()
        #expect(ask(a, "example.com").response?.header.responseCode == .refused)
        #expect(ask(a, "example.com").response?.header.authoritative == false)
        let nx = try #require(ask(a, "nope.test").response)
        #expect(nx.header.responseCode == .nameError && nx.header.authoritative)
        #expect(nx.authorities.first?.type == .soa && nx.authorities.first?.name == "test")
        // Empty non-terminal and a name without the asked type: NODATA.
        #expect(ask(a, "a.test").response?.header.responseCode == .noError)
        #expect(ask(a, "deep.a.test", .aaaa).response?.answers.isEmpty == true)
        #expect(ask(a, "deep.a.test", .aaaa).response?.authorities.first?.type == .soa)
        #expect(ask(a, "test", .soa).response?.answers.first?.type == .soa)
    }

    @Test func behavioursOnCue() throws {
        let a = authority()
        a.setBehaviour(.nxdomain, for: "rx.test")
        #expect(ask(a, "rx.test").response?.header.responseCode == .nameError)
        a.setBehaviour(.servfail, for: "rx.test")
        #expect(ask(a, "rx.test").response?.header.responseCode == .serverFailure)
        a.setBehaviour(.refused, for: "rx.test")
        #expect(ask(a, "rx.test").response?.header.responseCode == .refused)
        a.setBehaviour(.drop, for: "rx.test")
        #expect(ask(a, "rx.test").response == nil)
        #expect(ask(a, "rx.test").logEntry.outcome == "dropped")
        a.setBehaviour(.answer, for: "rx.test")
        a.setDelay(.milliseconds(250), for: "rx.test")
        #expect(ask(a, "rx.test").delay == .milliseconds(250))
    }

    @Test func answerSetChangesAndRotation() throws {
        let a = authority()
        a.replaceAddresses([DNSAddress("127.0.0.5")!], for: "rx.test")
        #expect(ask(a, "rx.test").logEntry.answers == ["127.0.0.5"])
        a.addAddress(DNSAddress("127.0.0.6")!, to: "rx.test")
        a.removeAddress(DNSAddress("127.0.0.5")!, from: "rx.test")
        a.setTTL(1, for: "rx.test")
        let d = ask(a, "rx.test")
        #expect(d.logEntry.answers == ["127.0.0.6"] && d.response?.answers.first?.ttl == 1)
        a.replaceAddresses(["127.0.0.1", "127.0.0.2", "127.0.0.3"].compactMap(DNSAddress.init), for: "rx.test")
        a.rotate("rx.test")
        #expect(ask(a, "rx.test").logEntry.answers == ["127.0.0.2", "127.0.0.3", "127.0.0.1"])
        #expect(ask(a, "rx.test").logEntry.answers == ["127.0.0.2", "127.0.0.3", "127.0.0.1"])  // on cue only
        a.setRotation(.everyAnswer, for: "rx.test")
        #expect(ask(a, "rx.test").logEntry.answers == ["127.0.0.2", "127.0.0.3", "127.0.0.1"])
        #expect(ask(a, "rx.test").logEntry.answers == ["127.0.0.3", "127.0.0.1", "127.0.0.2"])
        a.remove("rx.test")
        #expect(ask(a, "rx.test").response?.header.responseCode == .nameError)
    }

    @Test func ednsIsEchoedAndWidensUDPLimit() throws {
        let a = authority()
        let plain = ask(a, "rx.test")
        #expect(plain.maxUDPSize == 512 && plain.response?.ednsOPT == nil)
        let edns = ask(a, "rx.test", edns: 4096)
        #expect(edns.maxUDPSize == 1232 && edns.response?.ednsOPT?.recordClass == 1232)
        #expect(ask(a, "rx.test", edns: 100).maxUDPSize == 512)
    }

    @Test func oddQueriesGetErrorCodesNotCrashes() {
        let a = authority()
        let twoQuestions = DNSMessage(header: DNSHeader(id: 1), questions: [DNSQuestion(name: "rx.test", type: .a), DNSQuestion(name: "rx.test", type: .aaaa)])
        #expect(a.respond(to: twoQuestions, client: "c", transport: .udp).response?.header.responseCode == .formatError)
        let none = DNSMessage(header: DNSHeader(id: 1))
        #expect(a.respond(to: none, client: "c", transport: .udp).response?.header.responseCode == .formatError)
        let notify = DNSMessage(header: DNSHeader(id: 1, opcode: 4), questions: [DNSQuestion(name: "rx.test", type: .soa)])
        #expect(a.respond(to: notify, client: "c", transport: .udp).response?.header.responseCode == .notImplemented)
        let chaos = DNSMessage(header: DNSHeader(id: 1), questions: [DNSQuestion(name: "rx.test", type: .a, recordClass: 3)])
        #expect(a.respond(to: chaos, client: "c", transport: .udp).response?.header.responseCode == .refused)
        let response = DNSMessage(header: DNSHeader(id: 1, isResponse: true), questions: [DNSQuestion(name: "rx.test", type: .a)])
        #expect(a.respond(to: response, client: "c", transport: .udp).response == nil)
    }
}
