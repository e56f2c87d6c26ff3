import Capture
import ForwardProtocol
import NIOCore
import Simulator

/// Seed inputs built with the project's own encoders: well-formed messages of every shape the targets take, so the
/// fuzzer starts from valid input and mutates inward. tools/fuzz.sh adds the fixture files (fixtures/malformed,
/// fixtures/vectors, fixtures/pcaps, fixtures/scenarios, fixtures/configs) beside them.
enum Seeds {
    static func bytes(_ b: ByteBuffer) -> [UInt8] { Array(b.readableBytesView) }

    static let time = EventTime(seconds: 1_700_000_000, nanoseconds: 123_456_789)
    static let record: MessagePackValue = .map([
        MessagePackPair("seq", .int(7)), MessagePackPair("message", "hello"), MessagePackPair("n", .double(1.5)),
        MessagePackPair("tags", .array(["a", .bool(true), .nil])), MessagePackPair("raw", .binary([0, 1, 2])),
    ])

    static func packedEntries(_ n: Int) -> ByteBuffer {
        var entries = ByteBuffer()
        for i in 0 ..< n {
            var r = ByteBuffer()
            MessagePackValue.map([MessagePackPair("seq", .int(Int64(i))), MessagePackPair("m", "x")]).encode(into: &r)
            if i % 2 == 0 {
                ForwardEntry.write(time: time, encodedRecord: r, into: &entries)
            } else {
                ForwardEntry.write(integerTime: 1_700_000_000, encodedRecord: r, into: &entries)
            }
        }
        return entries
    }

    static func messagePack() -> [[UInt8]] {
        var out: [[UInt8]] = []
        let values: [MessagePackValue] = [
            .nil, .bool(false), .int(-33), .int(1 << 40), .uint(UInt64.max), .float(1.25), .double(-0.0), "",
            .string(Array(repeating: 0x61, count: 40)), .binary(Array(repeating: 1, count: 300)), record,
            .array([.array([.array([.int(1)])]), .map([])]), .ext(type: 0, data: Array(repeating: 0, count: 8)),
            .ext(type: 5, data: [1, 2, 3]), .ext(type: 0, data: Array(repeating: 9, count: 12)),
        ]
        for v in values { out.append(bytes(v.encoded)) }
        // Several frames back to back, as on a connection.
        out.append(out.prefix(6).flatMap { $0 })
        return out + forwardRequests().prefix(4)
    }

    static func forwardRequests() -> [[UInt8]] {
        var out: [[UInt8]] = []
        out.append(bytes(ForwardEncoder.message(tag: "app.a", time: time, record: record)))
        out.append(bytes(ForwardEncoder.message(tag: "app.a", time: time, record: record, option: .map([MessagePackPair("chunk", "Y2h1bms=")]))))
        out.append(bytes(ForwardEncoder.forward(tag: "app.b", entries: [(time, record), (time, .map([]))])))
        out.append(bytes(ForwardEncoder.forward(tag: "app.b", entries: [(time, record)], option: .map([MessagePackPair("chunk", "c1"), MessagePackPair("size", .int(1))]))))
        let entries = packedEntries(3)
        out.append(bytes(ForwardEncoder.packedForward(tag: "app.c", entries: entries, size: 3)))
        out.append(bytes(ForwardEncoder.packedForward(tag: "app.c", entries: entries, size: 3, chunk: "c2")))
        if let gz = try? GzipMembers.compress(entries) {
            out.append(bytes(ForwardEncoder.packedForward(tag: "app.d", entries: gz, size: 3, compressed: true, chunk: "c3")))
        }
        // Integer times, a non-string tag, the nil heartbeat, a Message without record, several requests on one stream.
        var odd = ByteBuffer()
        odd.writeMessagePackArrayHeader(count: 3)
        odd.writeMessagePackInt(42)
        odd.writeMessagePackInt(1_700_000_000)
        record.encode(into: &odd)
        out.append(bytes(odd))
        out.append([0xc0])
        out.append([0x92, 0xa1, 0x74, 0x01])
        out.append(out.prefix(5).flatMap { $0 } + [0xc0])
        return out
    }

    static func gzipBlobs() -> [[UInt8]] {
        var out: [[UInt8]] = []
        guard let one = try? GzipMembers.compress(packedEntries(2)), let two = try? GzipMembers.compress(packedEntries(5)),
              let empty = try? GzipMembers.compress(ByteBuffer()) else { return out }
        out.append(bytes(one))
        out.append(bytes(one) + bytes(two))
        out.append(bytes(empty))
        out.append(Array(bytes(two).dropLast(3)))
        return out
    }

    static func zstdBlobs() -> [[UInt8]] {
        var out: [[UInt8]] = []
        guard let one = try? ZstdFrames.compress(packedEntries(2)), let two = try? ZstdFrames.compress(packedEntries(5)),
              let empty = try? ZstdFrames.compress(ByteBuffer()) else { return out }
        out.append(bytes(one))
        out.append(bytes(one) + bytes(two))
        out.append(bytes(empty))
        out.append(Array(bytes(two).dropLast(3)))
        // A small bomb: 2 MB of zeros, past the 1 MB cap.
        var zeros = ByteBuffer()
        zeros.writeRepeatingByte(0, count: 2 << 20)
        if let bomb = try? ZstdFrames.compress(zeros) { out.append(bytes(bomb)) }
        return out
    }

    static func handshakes() -> [[UInt8]] {
        var out: [[UInt8]] = []
        let n = HandshakeTarget.nonce
        for helo in [Helo(nonce: n, auth: [], keepalive: true), Helo(nonce: n, auth: HandshakeTarget.authSalt, keepalive: false)] {
            var b = ByteBuffer()
            helo.encode(into: &b)
            out.append(bytes(b))
            // The PING an agent answers this HELO with: valid for the receiver's shared key, and for the client key + user.
            for (key, user, pass) in [(HandshakeTarget.sharedKey, "", ""), ("client-key", "user", "pass")] {
                let ping = Ping(helo: helo, clientHostname: HandshakeTarget.clientHostname, sharedKeySalt: "salt-0123456789",
                                sharedKey: key, username: user, password: pass)
                var p = ByteBuffer()
                ping.encode(into: &p)
                out.append(bytes(p))
                let pong = Pong.success(ping: ping, serverHostname: HandshakeTarget.serverHostname, nonce: n, sharedKey: key)
                var q = ByteBuffer()
                pong.encode(into: &q)
                out.append(bytes(q))
            }
        }
        var failure = ByteBuffer()
        Pong.failure("shared_key mismatch").encode(into: &failure)
        out.append(bytes(failure))
        return out
    }

    static func dnsMessages() -> [[UInt8]] {
        var out: [[UInt8]] = []
        let names: [DNSName] = ["r1.fwdlab.test", "rr.fwdlab.test", "gone.fwdlab.test", "big.fwdlab.test", "other.example"]
        for (i, name) in names.enumerated() {
            for type in [DNSRecordType.a, .aaaa, .any, .soa] {
                var query = DNSMessage(header: DNSHeader(id: UInt16(i), recursionDesired: true), questions: [DNSQuestion(name: name, type: type)])
                if type == .a {
                    // EDNS0 OPT: root name, CLASS = UDP payload size.
                    query.additionals = [DNSResourceRecord(name: .root, type: .opt, recordClass: 1232, ttl: 0, data: .raw([]))]
                }
                if let q = try? query.encode() { out.append(q) }
            }
        }
        // A response with compressed names in every section.
        var response = DNSMessage(header: DNSHeader(id: 9, isResponse: true, authoritative: true),
                                  questions: [DNSQuestion(name: "rr.fwdlab.test", type: .a)])
        response.answers = [
            DNSResourceRecord(name: "rr.fwdlab.test", type: .cname, ttl: 30, data: .name("r1.fwdlab.test")),
            DNSResourceRecord(name: "r1.fwdlab.test", type: .a, ttl: 30, data: .address(DNSAddress("127.0.0.1")!)),
            DNSResourceRecord(name: "r1.fwdlab.test", type: .aaaa, ttl: 30, data: .address(DNSAddress("::1")!)),
        ]
        response.authorities = [DNSResourceRecord(name: "fwdlab.test", type: .soa, ttl: 5, data: .soa(DNSSOA(
            primary: "ns.fwdlab.test", mailbox: "hostmaster.fwdlab.test", serial: 1, refresh: 60, retry: 10, expire: 600, minimum: 5)))]
        response.additionals = [DNSResourceRecord(name: "x.fwdlab.test", type: .txt, ttl: 1, data: .raw([3, 0x61, 0x62, 0x63]))]
        if let r = try? response.encode() { out.append(r) }
        // Two queries as a TCP stream (2-byte length prefixes).
        if out.count >= 2 {
            var stream: [UInt8] = []
            for q in out.prefix(2) { stream += [UInt8(q.count >> 8), UInt8(q.count & 0xff)] + q }
            out.append(stream)
        }
        return out
    }

    static func captures() -> [[UInt8]] { [] }

    /// Small configurations touching each syntax feature (the fixture configs are added by tools/fuzz.sh).
    static func configs() -> [[UInt8]] {
        [
            "<source>\n  @type forward\n  port \"#{ENV['FWDLAB_PORT'] || '24224'}\"\n  bind '127.0.0.1'\n</source>\n",
            "@include include.d/*.conf\n<match **>\n  @type forward\n  @include servers/servers.conf\n</match>\n",
            "<system>\n  workers 2\n</system>\n<worker 0>\n  <source>\n    @type sample\n    tag \"w#{worker_id}\"\n  </source>\n</worker>\n",
            "<match a.** b.{c,d}>\n  @type forward\n  flush_interval 1.5s\n  chunk_limit_size 8m\n  hosts [\"a\", \"b\"]\n"
                + "  map {\"k\":1, \"v\":[true,null]}\n  text \"multi\n line\\t\"\n  <buffer tag,time>\n    timekey 1h\n  </buffer>\n</match>\n",
            "<label @OUT>\n  <match **>\n    @type null\n    host \"#{Socket.gethostname}\"\n    dir \"#{File.join(Dir.pwd, 'b')}\"\n  </match>\n</label>\n",
        ].map { Array($0.utf8) }
    }

    /// Segment scripts for the `tcp` target (format in CaptureTargets.tcp).
    static func tcpSegments() -> [[UInt8]] {
        func seg(_ control: UInt8, _ rel: UInt16, _ payload: [UInt8]) -> [UInt8] {
            [control, UInt8(rel & 0xff), UInt8(rel >> 8), UInt8(payload.count)] + payload
        }
        let syn: UInt8 = 0x02, ack: UInt8 = 0x10, fin: UInt8 = 0x01, rst: UInt8 = 0x04, psh: UInt8 = 0x08, server: UInt8 = 0x80
        let hello = Array("hello ".utf8), world = Array("world!".utf8)
        let handshake = seg(syn, 0, []) + seg(server | syn | ack, 0, []) + seg(ack, 1, [])
        var out: [[UInt8]] = []
        // In order, then both FINs.
        out.append([0] + handshake + seg(psh | ack, 1, hello) + seg(psh | ack, 7, world) + seg(server | ack, 1, Array("ok".utf8))
                   + seg(fin | ack, 13, []) + seg(server | fin | ack, 3, []))
        // Out of order, a retransmission, an overlap.
        out.append([1] + handshake + seg(psh | ack, 7, world) + seg(psh | ack, 1, hello) + seg(psh | ack, 1, hello)
                   + seg(psh | ack, 4, Array("lo wor".utf8)) + seg(rst, 13, []))
        // A hole never filled (a gap at the end), mid-stream start without a SYN, sequence wrap-around.
        out.append([0xff] + seg(psh | ack, 100, hello) + seg(psh | ack, 300, world) + seg(server | psh | ack, 0xfff0, Array(repeating: 0x41, count: 40)))
        // Port reuse: a second SYN with another ISN after a close.
        out.append([2] + handshake + seg(fin | ack, 1, []) + seg(server | fin | ack, 1, []) + seg(syn, 500, []) + seg(psh | ack, 501, hello))
        return out
    }
}
