import Logging
import NIOCore
#if DEBUG || FUZZING
@testable import Simulator
#else
import Simulator
#endif

/// The simulator's DNS server (Sources/Simulator/DNS): the wire parser (names with compression pointers, every
/// section, EDNS), re-encoding, and in the debug and fuzzing builds the responder a query reaches over UDP or TCP.
enum DNSTarget {
    static let target = FuzzTarget(
        name: "dns",
        summary: "DNSMessage(decoding:) of the input as a UDP datagram and as a length-prefixed TCP stream; decoded "
            + "messages re-encoded (with and without compression) must decode equal; the server's responder answers each",
        run: { data in
            handle(data, transport: .udp)
            // RFC 1035 4.2.2: the same bytes as a TCP stream of length-prefixed messages (DNSTCPFrameDecoder's framing).
            var stream = ByteBuffer(bytes: data)
            var messages = 0
            while messages < 64, let length = stream.readInteger(as: UInt16.self), let message = stream.readBytes(length: Int(length)) {
                messages += 1
                handle(message, transport: .tcp)
            }
        },
        seeds: { Seeds.dnsMessages() })

    static func handle(_ bytes: [UInt8], transport: DNSTransport) {
        if let message = try? DNSMessage(decoding: bytes) {
            _ = message.ednsOPT
            for question in message.questions { _ = question.name.description }
            for compress in [true, false] {
                guard let encoded = try? message.encode(compress: compress) else { continue }
                guard let again = try? DNSMessage(decoding: encoded) else {
                    fuzzCheck(false, "an encoded message (compress: \(compress)) does not decode")
                    return
                }
                fuzzCheck(again == message, "a message changed in an encode/decode round trip (compress: \(compress))")
            }
            if let udp = try? message.encode(maxSize: 512) { fuzzCheck(udp.count <= 512, "a UDP answer of \(udp.count) bytes > 512") }
        }
        #if DEBUG || FUZZING
        if let (answer, _) = responder.handle(bytes, client: "127.0.0.1:5353", transport: transport) {
            fuzzCheck((try? DNSMessage(decoding: answer)) != nil, "the responder's answer does not decode")
            if transport == .udp { fuzzCheck(answer.count <= 65535, "answer of \(answer.count) bytes") }
        }
        #endif
    }

    #if DEBUG || FUZZING
    /// A zone like the scenarios' (docs/dns-and-partitions.md): round-robin names, an NXDOMAIN, a truncating name.
    static let responder: DNSResponder = {
        var names: [DNSName: DNSRecordSet] = [:]
        names["r1.fwdlab.test"] = DNSRecordSet(addresses: ["127.0.0.1", "::1"])
        var rr = DNSRecordSet(addresses: ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
        rr?.rotation = .everyAnswer
        names["rr.fwdlab.test"] = rr
        names["gone.fwdlab.test"] = DNSRecordSet(addresses: [DNSAddress](), behaviour: .nxdomain)
        var big = DNSRecordSet(addresses: (1 ... 40).map { "127.0.1.\($0)" })
        big?.truncateUDP = true
        names["big.fwdlab.test"] = big
        let authority = DNSAuthority(zones: ["fwdlab.test"], names: names, logCapacity: 1)
        return DNSResponder(authority: authority, logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }))
    }()
    #endif
}
