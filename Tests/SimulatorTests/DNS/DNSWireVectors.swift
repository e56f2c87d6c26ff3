// Byte vectors produced with dnspython 2.9.2 (test-vector generation only; not a dependency):
//
//   q = dns.message.make_query("receivers.test.", "A", id=0x1234); q.flags = dns.flags.RD
//   q6 = dns.message.make_query("Receivers.Test.", "AAAA", id=0xBEEF, use_edns=0, payload=1232); q6.flags = dns.flags.RD
//   r = dns.message.make_response(q); r.flags = QR|AA|RD|RA
//   r.answer.append(dns.rrset.from_text("receivers.test.", 30, "IN", "A", "127.0.0.1", "127.0.0.2"))  (the rrset came out as .2, .1)
//   r2 = make_response(q), flags QR|AA|RD|RA, rcode NXDOMAIN,
//        authority SOA "test." 5 "ns.test. hostmaster.test. 1 3600 600 86400 5"
//   r3 = make_response(q6), flags QR|AA|RD|RA, use_edns(0, 0, 1232),
//        answer AAAA "Receivers.Test." 60 "::1", "2001:db8::5" (dnspython writes 2001:db8::5 first)
//   print(m.to_wire().hex())  # name compression on, as dnspython does by default
enum DNSWireVectors {
    static let queryA = "1234010000010000000000000972656365697665727304746573740000010001"
    static let queryAAAAEDNS = "beef0100000100000000000109526563656976657273045465737400001c000100002904d0000000000000"
    static let responseA = "1234858000010002000000000972656365697665727304746573740000010001c00c000100010000001e00047f000002c00c000100010000001e00047f000001"
    static let responseNXDOMAIN = "1234858300010000000100000972656365697665727304746573740000010001c01600060001000000050026026e73c0160a686f73746d6173746572c0160000000100000e10000002580001518000000005"
    static let responseAAAAEDNS = "beef8580000100020000000109526563656976657273045465737400001c0001c00c001c00010000003c001020010db8000000000000000000000005c00c001c00010000003c00100000000000000000000000000000000100002904d0000000000000"
}
