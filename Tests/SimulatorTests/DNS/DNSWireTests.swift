import Testing
@testable import Simulator

@Suite struct DNSWireTests {
    private let name: DNSName = "receivers.test"

    @Test func encodesQueryLikeDnspython() throws {
        let query = DNSMessage(header: DNSHeader(id: 0x1234, recursionDesired: true), questions: [DNSQuestion(name: name, type: .a)])
        #expect(Hex.text(try query.encode()) == DNSWireVectors.queryA)
    }

    @Test func decodesEDNSQuery() throws {
        let query = try DNSMessage(decoding: Hex.bytes(DNSWireVectors.queryAAAAEDNS))
        #expect(query.header.id == 0xBEEF)
        #expect(query.header.recursionDesired && !query.header.isResponse)
        #expect(query.questions == [DNSQuestion(name: "receivers.test", type: .aaaa)])
        #expect(query.questions.first?.name.description == "Receivers.Test")  // case kept for the echo
        #expect(query.ednsOPT?.recordClass == 1232)
        #expect(Hex.text(try query.encode()) == DNSWireVectors.queryAAAAEDNS)
    }

    @Test func encodesAnswersWithCompressionPointers() throws {
        var header = DNSHeader(id: 0x1234, isResponse: true, authoritative: true, recursionDesired: true, recursionAvailable: true)
        header.responseCode = .noError
        let response = DNSMessage(
            header: header, questions: [DNSQuestion(name: name, type: .a)],
            answers: [.address(name, DNSAddress("127.0.0.2")!, ttl: 30), .address(name, DNSAddress("127.0.0.1")!, ttl: 30)])
        let bytes = try response.encode()
        #expect(Hex.text(bytes) == DNSWireVectors.responseA)
        #expect(bytes[32] == 0xC0 && bytes[33] == 0x0C)  // owner name → question name at offset 12
        #expect(try DNSMessage(decoding: bytes) == response)
    }

    @Test func encodesNXDOMAINWithCompressedSOA() throws {
        let header = DNSHeader(
            id: 0x1234, isResponse: true, authoritative: true, recursionDesired: true, recursionAvailable: true, responseCode: .nameError)
        let soa = DNSSOA(primary: "ns.test", mailbox: "hostmaster.test", serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 5)
        let response = DNSMessage(
            header: header, questions: [DNSQuestion(name: name, type: .a)],
            authorities: [DNSResourceRecord(name: "test", type: .soa, ttl: 5, data: .soa(soa))])
        #expect(Hex.text(try response.encode()) == DNSWireVectors.responseNXDOMAIN)
        let decoded = try DNSMessage(decoding: Hex.bytes(DNSWireVectors.responseNXDOMAIN))
        #expect(decoded.header.responseCode == .nameError && decoded.header.authoritative)
        #expect(decoded.authorities.first?.data == .soa(soa))
    }

    @Test func encodesAAAAWithEDNS() throws {
        let owner: DNSName = "Receivers.Test"
        let header = DNSHeader(id: 0xBEEF, isResponse: true, authoritative: true, recursionDesired: true, recursionAvailable: true)
        let response = DNSMessage(
            header: header, questions: [DNSQuestion(name: owner, type: .aaaa)],
            answers: [.address(owner, DNSAddress("2001:db8::5")!, ttl: 60), .address(owner, DNSAddress("::1")!, ttl: 60)],
            additionals: [.opt(udpPayloadSize: 1232)])
        #expect(Hex.text(try response.encode()) == DNSWireVectors.responseAAAAEDNS)
        let decoded = try DNSMessage(decoding: Hex.bytes(DNSWireVectors.responseAAAAEDNS))
        #expect(decoded.answers.map { "\($0.data)" } == response.answers.map { "\($0.data)" })
        #expect(decoded.answers.first?.name.description == "Receivers.Test")
    }

    @Test func headerFlagsRoundTrip() {
        let header = DNSHeader(
            id: 7, isResponse: true, opcode: 2, authoritative: true, truncated: true, recursionDesired: true,
            recursionAvailable: true, authenticData: true, checkingDisabled: true, responseCode: .refused)
        #expect(header.flags == 0x97B5)
        #expect(DNSHeader(id: 7, flags: header.flags) == header)
    }

    @Test func truncatesToUDPLimitWithTC() throws {
        let many = (1...60).map { DNSResourceRecord.address(name, DNSAddress("10.233.0.\($0)")!, ttl: 5) }
        let response = DNSMessage(header: DNSHeader(id: 1, isResponse: true), questions: [DNSQuestion(name: name, type: .a)], answers: many)
        let full = try response.encode()
        #expect(full.count > 512)
        let cut = try response.encode(maxSize: 512)
        #expect(cut.count <= 512)
        let decoded = try DNSMessage(decoding: cut)
        #expect(decoded.header.truncated)
        #expect(decoded.answers.count < many.count && decoded.answers == Array(many.prefix(decoded.answers.count)))
    }

    @Test func namesCompareCaseInsensitively() throws {
        #expect(DNSName("A.Test") == DNSName("a.test."))
        #expect(DNSName("x.svc.test").isSubdomain(of: "TEST"))
        #expect(!DNSName("xtest").isSubdomain(of: "test"))
        #expect(throws: DNSWireError.self) { try DNSName(parsing: "a..b") }
        #expect(throws: DNSWireError.self) { try DNSName(parsing: String(repeating: "a", count: 64) + ".test") }
        #expect(DNSName.root.description == ".")
        #expect(DNSAddress("::1")?.description == "::1" && DNSAddress("999.1.1.1") == nil)
    }

    /// Hostile and broken inputs: each must throw, none may trap.
    static let malformed: [(String, String)] = [
        ("empty", ""),
        ("short header", "1234010000"),
        ("question missing", "123401000001000000000000"),
        ("label past end", "12340100000100000000000009726563"),
        ("pointer to itself", "123401000001000000000000c00c00010001"),
        ("pointer forward", "123401000001000000000000c01000010001000000"),
        ("pointer loop", "1234010000020000000000000161c00e0001000101c00c00010001"),
        ("reserved label type 0x40", "123401000001000000000000400000010001"),
        ("name too long", "123401000001000000000000" + String(repeating: "3f" + String(repeating: "61", count: 63), count: 5) + "0000010001"),
        ("A rdata length 3", "1234818000010001000000000161000001000101610000010001000000050003010203"),
        ("rdlength past end", "12348180000100010000000001610000010001c00c0001000100000005ffff"),
        ("counts claim 65535 answers", "123481800000ffff00000000"),
    ]

    @Test(arguments: malformed) func malformedInputThrows(_ vector: (String, String)) {
        #expect(throws: DNSWireError.self, "\(vector.0)") { try DNSMessage(decoding: Hex.bytes(vector.1)) }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SystemRandomNumberGenerator()
        let seed = Hex.bytes(DNSWireVectors.responseNXDOMAIN)
        for round in 0..<5000 {
            var bytes = seed
            // Mutate a few bytes, or cut the message short.
            for _ in 0..<(1 + round % 4) { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            if round % 3 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
            _ = try? DNSMessage(decoding: bytes)
        }
    }
}
