import Foundation
import ForwardProtocol
import NIOCore

/// Builds the small synthetic golden captures in `fixtures/pcaps` from known forward-protocol bytes.
///
/// Every capture is deterministic (fixed times, ports and sequence numbers), so regenerating it
/// gives identical bytes and the expected analyzer output can be checked in next to it.
public enum GoldenCaptureGenerator {
    /// 2011-01-02 13:14:15 UTC, the time of docs/forward-protocol.md, "Worked example".
    public static let epoch: Int64 = 1_293_974_055 * 1_000_000_000
    static let ms: Int64 = 1_000_000
    static let us: Int64 = 1_000

    /// The worked example of docs/forward-protocol.md ("Worked example"): PackedForward, tag "test", two events, chunk id 00..0f, 96 bytes.
    public static let specPackedForward: [UInt8] = [
        0x93, 0xa4, 0x74, 0x65, 0x73, 0x74, 0xdb, 0x00, 0x00, 0x00, 0x1e,
        0x92, 0xd7, 0x00, 0x4d, 0x20, 0x7a, 0x27, 0x00, 0x00, 0x00, 0x00, 0x81, 0xa1, 0x61, 0x01,
        0x92, 0xd7, 0x00, 0x4d, 0x20, 0x7a, 0x27, 0x00, 0x00, 0x00, 0x00, 0x81, 0xa1, 0x61, 0x02,
        0x83, 0xa4, 0x73, 0x69, 0x7a, 0x65, 0x02,
        0xaa, 0x63, 0x6f, 0x6d, 0x70, 0x72, 0x65, 0x73, 0x73, 0x65, 0x64, 0xa4, 0x74, 0x65, 0x78, 0x74,
        0xa5, 0x63, 0x68, 0x75, 0x6e, 0x6b, 0xb9,
    ] + Array("AAECAwQFBgcICQoLDA0ODw==\n".utf8)

    /// The ack for the worked example (docs/forward-protocol.md, "Ack response").
    public static let specAck: [UInt8] = [0x81, 0xa3, 0x61, 0x63, 0x6b, 0xb9] + Array("AAECAwQFBgcICQoLDA0ODw==\n".utf8)

    /// File names and their writers.
    public static let all: [(name: String, build: @Sendable (PcapFileWriter) throws -> Void)] = [
        ("spec-packed-forward-ack.pcap", specExample),
        ("udp-heartbeats.pcap", udpHeartbeats),
        ("reset-connection.pcap", resetConnection),
        ("out-of-order-retransmit.pcap", outOfOrder),
        ("ipv6-forward.pcapng", ipv6),
        ("failover.pcap", failover),
    ]

    /// Writes every golden capture into `directory`; returns the paths written.
    @discardableResult
    public static func writeAll(to directory: String) throws -> [String] {
        try all.map { item in
            let path = directory + "/" + item.name
            let w = try PcapFileWriter(path: path, format: format(of: item.name), linkType: linkType(of: item.name))
            try item.build(w)
            try w.close()
            return path
        }
    }

    /// The container format each golden file uses (varied on purpose to cover the reader).
    public static func format(of name: String) -> PcapFileWriter.Format {
        if name.hasSuffix(".pcapng") { return .pcapng }
        return name == "udp-heartbeats.pcap" ? .pcap : .pcapNanosecond
    }

    /// The link type each golden file uses.
    public static func linkType(of name: String) -> LinkType {
        switch name {
        case "udp-heartbeats.pcap": return .linuxSLL
        case "ipv6-forward.pcapng": return .linuxSLL2
        default: return .ethernet
        }
    }

    static let v4 = IPAddress.loopbackV4
    static let nodeA = IPEndpoint(address: v4, port: 24_224)
    static let nodeB = IPEndpoint(address: v4, port: 24_225)

    static func chunk(_ n: UInt8) -> String {
        // out_forward's option value: Base64 of the 16 id bytes plus a newline (docs/forward-protocol.md, "Chunk id").
        Data((0..<16).map { n &* 16 &+ $0 }).base64EncodedString() + "\n"
    }

    static func ack(_ chunk: String) -> [UInt8] {
        var b = ByteBuffer()
        ForwardAck.write(chunk: chunk, into: &b)
        return Array(b.readableBytesView)
    }

    static func record(_ i: Int64) -> MessagePackValue {
        .map([MessagePackPair(.str("seq"), .int(i)), MessagePackPair(.str("message"), .str("hello \(i)"))])
    }

    /// A PackedForward request of `count` events like out_forward's.
    static func packed(tag: String, count: Int, first: Int64 = 0, chunk: String?, gzip: Bool = false) throws -> [UInt8] {
        var entries = ByteBuffer()
        for i in 0..<count {
            ForwardEntry.write(time: EventTime(seconds: 1_293_974_055, nanoseconds: UInt32(i)), encodedRecord: record(first + Int64(i)).encoded, into: &entries)
        }
        if gzip { entries = try GzipMembers.compress(entries) }
        return Array(ForwardEncoder.packedForward(tag: tag, entries: entries, size: count, compressed: gzip, chunk: chunk).readableBytesView)
    }

    static func specExample(_ w: PcapFileWriter) throws {
        var c = SyntheticTCPConnection(client: IPEndpoint(address: v4, port: 40_001), server: nodeA)
        try c.handshake(w, at: epoch)
        try c.send(w, fromClient: true, specPackedForward, at: epoch + 1 * ms)
        try c.send(w, fromClient: false, specAck, at: epoch + 1 * ms + 500 * us)
        try c.close(w, at: epoch + 10 * ms)
    }

    static func udpHeartbeats(_ w: PcapFileWriter) throws {
        let client = IPEndpoint(address: v4, port: 50_000)
        for k in 0..<5 {
            let t = epoch + Int64(k) * 1_000 * ms
            try w.write(timestampNanos: t, frame: PacketBuilder.udp(linkType: .linuxSLL, source: client, destination: nodeA, payload: [0]))
            if k != 3 {  // the fourth reply is lost
                try w.write(timestampNanos: t + 300 * us, frame: PacketBuilder.udp(linkType: .linuxSLL, source: nodeA, destination: client, payload: [0]))
            }
        }
    }

    static func resetConnection(_ w: PcapFileWriter) throws {
        var refused = SyntheticTCPConnection(client: IPEndpoint(address: v4, port: 40_010), server: nodeA)
        try refused.synOnly(w, at: epoch, refused: true)
        var c = SyntheticTCPConnection(client: IPEndpoint(address: v4, port: 40_011), server: nodeA)
        try c.handshake(w, at: epoch + 1_000 * ms)
        let option: MessagePackValue = .map([MessagePackPair(.str("chunk"), .str(chunk(1)))])
        let message = ForwardEncoder.message(tag: "app.log", time: EventTime(seconds: 1_293_974_056), record: record(1), option: option)
        try c.send(w, fromClient: true, Array(message.readableBytesView), at: epoch + 1_001 * ms)
        try c.reset(w, fromClient: false, at: epoch + 1_002 * ms)
    }

    static func outOfOrder(_ w: PcapFileWriter) throws {
        var c = SyntheticTCPConnection(client: IPEndpoint(address: v4, port: 40_020), server: nodeA)
        try c.handshake(w, at: epoch)
        let m = specPackedForward
        let t = epoch + 1 * ms
        try c.segment(w, fromClient: true, offset: 60, Array(m[60...]), at: t)              // third part first
        try c.segment(w, fromClient: true, offset: 0, Array(m[0..<30]), at: t + 100 * us)  // first part
        try c.segment(w, fromClient: true, offset: 0, Array(m[0..<30]), at: t + 200 * us)  // retransmitted
        try c.segment(w, fromClient: true, offset: 25, Array(m[25..<60]), at: t + 300 * us) // overlapping second part completes it
        c.advance(fromClient: true, by: m.count)
        try c.send(w, fromClient: false, specAck, at: t + 800 * us)
        let forward = ForwardEncoder.forward(tag: "app.forward", entries: [(EventTime(seconds: 1_293_974_055), record(1)),
                                                                         (EventTime(seconds: 1_293_974_055, nanoseconds: 5), record(2))])
        // Message-mode and Forward-mode requests arriving in one segment.
        let message = ForwardEncoder.message(tag: "app.message", time: EventTime(seconds: 1_293_974_055), record: record(3))
        try c.send(w, fromClient: true, Array(forward.readableBytesView) + Array(message.readableBytesView), at: t + 2 * ms)
        try c.close(w, at: t + 5 * ms)
    }

    static func ipv6(_ w: PcapFileWriter) throws {
        let node = IPEndpoint(address: .loopbackV6, port: 24_224)
        let client = IPEndpoint(address: .loopbackV6, port: 40_030)
        // The client's ISN sits just below 2^32 so its stream wraps around mid-message.
        var c = SyntheticTCPConnection(client: client, server: node, clientISN: 0xffff_ffc0, linkType: .linuxSLL2)
        try c.handshake(w, at: epoch)
        let option: MessagePackValue = .map([MessagePackPair(.str("size"), .int(2)), MessagePackPair(.str("chunk"), .str(chunk(2)))])
        let forward = ForwardEncoder.forward(tag: "v6.forward", entries: [(EventTime(seconds: 1_293_974_055), record(1)),
                                                                        (EventTime(seconds: 1_293_974_055), record(2))], option: option)
        try c.send(w, fromClient: true, Array(forward.readableBytesView), at: epoch + 1 * ms, segmentSize: 40, spacing: 10 * us)
        try c.send(w, fromClient: false, ack(chunk(2)), at: epoch + 2 * ms)
        try c.close(w, at: epoch + 3 * ms)
        let hbClient = IPEndpoint(address: .loopbackV6, port: 50_030)
        try w.write(timestampNanos: epoch + 4 * ms, frame: PacketBuilder.udp(linkType: .linuxSLL2, source: hbClient, destination: node, payload: [0]))
        try w.write(timestampNanos: epoch + 4 * ms + 150 * us, frame: PacketBuilder.udp(linkType: .linuxSLL2, source: node, destination: hbClient, payload: [0]))
    }

    static func failover(_ w: PcapFileWriter) throws {
        let hb = IPEndpoint(address: v4, port: 50_040)
        var events: [(Int64, (PcapFileWriter) throws -> Void)] = []
        // UDP heartbeats every second to both nodes; A stops answering after 1.5 s.
        for k in 0..<5 {
            let t = epoch + 500 * ms + Int64(k) * 1_000 * ms
            events.append((t, { try $0.write(timestampNanos: t, frame: PacketBuilder.udp(source: hb, destination: nodeA, payload: [0])) }))
            events.append((t + 10 * us, { try $0.write(timestampNanos: t + 10 * us, frame: PacketBuilder.udp(source: hb, destination: nodeB, payload: [0])) }))
            if k < 2 {
                events.append((t + 200 * us, { try $0.write(timestampNanos: t + 200 * us, frame: PacketBuilder.udp(source: nodeA, destination: hb, payload: [0])) }))
            }
            events.append((t + 250 * us, { try $0.write(timestampNanos: t + 250 * us, frame: PacketBuilder.udp(source: nodeB, destination: hb, payload: [0])) }))
        }
        let c1 = try packed(tag: "app", count: 3, chunk: chunk(1))
        let c2 = try packed(tag: "app", count: 4, first: 3, chunk: chunk(2))
        let c3 = try packed(tag: "app", count: 2, first: 7, chunk: chunk(3))
        let c4 = try packed(tag: "app", count: 1, first: 9, chunk: chunk(4))
        let gz = try packed(tag: "app.gz", count: 5, first: 10, chunk: nil, gzip: true)
        events.append((epoch, { w in
            var a = SyntheticTCPConnection(client: IPEndpoint(address: v4, port: 40_040), server: nodeA)
            try a.handshake(w, at: epoch)
            try a.send(w, fromClient: true, c1, at: epoch + 100 * ms)
            try a.send(w, fromClient: false, ack(chunk(1)), at: epoch + 101 * ms)
            try a.send(w, fromClient: true, c2, at: epoch + 2_000 * ms)   // never acked
            try a.reset(w, fromClient: false, at: epoch + 2_200 * ms)
        }))
        events.append((epoch + 2_300 * ms, { w in
            var refused = SyntheticTCPConnection(client: IPEndpoint(address: v4, port: 40_041), server: nodeA)
            try refused.synOnly(w, at: epoch + 2_300 * ms, refused: true)
        }))
        events.append((epoch + 2_400 * ms, { w in
            var probe = SyntheticTCPConnection(client: IPEndpoint(address: v4, port: 40_042), server: nodeB)
            try probe.handshake(w, at: epoch + 2_400 * ms)
            try probe.close(w, at: epoch + 2_401 * ms)
        }))
        events.append((epoch + 3_000 * ms, { w in
            var b = SyntheticTCPConnection(client: IPEndpoint(address: v4, port: 40_043), server: nodeB)
            try b.handshake(w, at: epoch + 3_000 * ms)
            try b.send(w, fromClient: true, c2, at: epoch + 3_010 * ms)
            try b.send(w, fromClient: false, ack(chunk(2)), at: epoch + 3_012 * ms)
            try b.send(w, fromClient: true, c3, at: epoch + 3_100 * ms)
            try b.send(w, fromClient: false, ack(chunk(3)), at: epoch + 3_101 * ms)
            try b.send(w, fromClient: true, gz, at: epoch + 3_200 * ms)
            // A resend storm: chunk 4 sent three times, acked each time.
            for k in 0..<3 {
                let t = epoch + 3_300 * ms + Int64(k) * 10 * ms
                try b.send(w, fromClient: true, c4, at: t)
                try b.send(w, fromClient: false, ack(chunk(4)), at: t + 1 * ms)
            }
        }))
        // Write in time order: each closure writes its own frames in order and they do not interleave
        // with the heartbeats except where the times say so.
        var frames: [(Int64, Int, [UInt8])] = []
        for (_, write) in events {
            let scratch = PcapFileWriter(inMemory: .pcapNanosecond, linkType: .ethernet)
            try write(scratch)
            try scratch.flush()
            for p in try PcapFileReader(bytes: scratch.bytes).readAll() { frames.append((p.timestampNanos, frames.count, p.data)) }
        }
        for (t, _, data) in frames.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            try w.write(timestampNanos: t, frame: data)
        }
    }
}
