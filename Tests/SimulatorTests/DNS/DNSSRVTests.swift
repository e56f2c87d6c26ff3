import Testing
@testable import Simulator

/// SRV records in the DNS server: zone-file syntax, the wire form, answers and changes on cue
/// (docs/dns-and-partitions.md, "SRV records").
@Suite struct DNSSRVTests {
    @Test func zoneFileSRVAndItsErrors() throws {
        let zone = try DNSZoneFile.parse(yaml: """
            names:
              _fluentd._tcp.fwdlab.test: {srv: [{priority: 1, weight: 60, port: 24301, target: r1.fwdlab.test}, {port: 24302, target: r2.fwdlab.test}]}
            """)
        let set = try #require(zone.names[try DNSName(parsing: "_fluentd._tcp.fwdlab.test")])
        #expect(set.srv == [DNSSRV(priority: 1, weight: 60, port: 24301, target: try DNSName(parsing: "r1.fwdlab.test")),
                            DNSSRV(port: 24302, target: try DNSName(parsing: "r2.fwdlab.test"))])
        #expect(throws: DNSZoneFileError.self) { try DNSZoneFile.parse(yaml: "names:\n  a.test: {srv: [{target: b.test}]}") }
        #expect(throws: DNSZoneFileError.self) { try DNSZoneFile.parse(yaml: "names:\n  a.test: {srv: [{port: 70000, target: b.test}]}") }
        #expect(throws: DNSZoneFileError.self) { try DNSZoneFile.parse(yaml: "names:\n  a.test: {srv: [{port: 1, target: b.test, prio: 1}]}") }
    }

    @Test func srvRecordsRoundTripOnTheWire() throws {
        let name = try DNSName(parsing: "_fluentd._tcp.fwdlab.test")
        let srv = DNSSRV(priority: 3, weight: 7, port: 24224, target: try DNSName(parsing: "r1.fwdlab.test"))
        let message = DNSMessage(header: DNSHeader(id: 9, isResponse: true), questions: [DNSQuestion(name: name, type: .srv)],
                                 answers: [DNSResourceRecord(name: name, type: .srv, ttl: 5, data: .srv(srv))])
        let decoded = try DNSMessage(decoding: try message.encode())
        #expect(decoded.answers.first?.data == .srv(srv))
    }

    @Test func authorityAnswersSRVAndReplacesItOnCue() throws {
        let zone = try DNSZoneFile.parse(yaml: "zones: [fwdlab.test]\nnames:\n  _f._tcp.fwdlab.test: {srv: [{port: 1, target: a.fwdlab.test}]}")
        let authority = zone.makeAuthority()
        let name = try DNSName(parsing: "_f._tcp.fwdlab.test")
        func ask(_ type: DNSRecordType) throws -> DNSMessage {
            let q = DNSMessage(header: DNSHeader(id: 1), questions: [DNSQuestion(name: name, type: type)])
            let d = authority.respond(to: q, client: "127.0.0.1", transport: .udp)
            return try #require(d.response)
        }
        #expect(try ask(.srv).answers.map(\.data) == [.srv(DNSSRV(port: 1, target: try DNSName(parsing: "a.fwdlab.test")))])
        #expect(try ask(.a).answers.isEmpty)  // NODATA for other types
        authority.replaceSRV([DNSSRV(port: 2, target: try DNSName(parsing: "b.fwdlab.test"))], for: name)
        #expect(try ask(.srv).answers.map(\.data) == [.srv(DNSSRV(port: 2, target: try DNSName(parsing: "b.fwdlab.test")))])
    }
}
