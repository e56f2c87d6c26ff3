import Testing
import Foundation
@testable import Capture

private let client = IPEndpoint(address: .loopbackV4, port: 40_000)
private let server = IPEndpoint(address: .loopbackV4, port: 24_224)

/// Converts a little-endian classic pcap into the big-endian layout (header and record headers swapped).
private func toBigEndian(_ le: [UInt8]) -> [UInt8] {
    var out = le
    func swap32(_ at: Int) { out[at..<at + 4].reverse() }
    func swap16(_ at: Int) { out[at..<at + 2].reverse() }
    swap32(0); swap16(4); swap16(6); swap32(8); swap32(12); swap32(16); swap32(20)
    var at = 24
    var guardCount = 0
    while at + 16 <= le.count, guardCount < 100_000 {
        guardCount += 1
        let capLen = Int(le[at + 8]) | Int(le[at + 9]) << 8 | Int(le[at + 10]) << 16 | Int(le[at + 11]) << 24
        swap32(at); swap32(at + 4); swap32(at + 8); swap32(at + 12)
        at += 16 + capLen
    }
    return out
}

private func sample(_ format: PcapFileWriter.Format, linkType: LinkType = .ethernet) throws -> [UInt8] {
    let w = PcapFileWriter(inMemory: format, linkType: linkType)
    try w.write(timestampNanos: 1_293_974_055_123_456_789,
                frame: PacketBuilder.tcp(linkType: linkType, source: client, destination: server, sequence: 1, acknowledgment: 0, flags: .syn))
    try w.write(timestampNanos: 1_293_974_056_000_001_000,
                frame: PacketBuilder.udp(linkType: linkType, source: client, destination: server, payload: [0]))
    try w.flush()
    return w.bytes
}

@Test(arguments: [PcapFileWriter.Format.pcap, .pcapNanosecond, .pcapng])
func roundTripFormats(format: PcapFileWriter.Format) throws {
    let reader = try PcapFileReader(bytes: try sample(format))
    let packets = try reader.readAll()
    #expect(packets.count == 2)
    #expect(packets.map(\.frameNumber) == [1, 2])
    let first = format == .pcap ? 1_293_974_055_123_456_000 : 1_293_974_055_123_456_789
    #expect(packets[0].timestampNanos == Int64(first))
    #expect(packets[1].timestampNanos == 1_293_974_056_000_001_000)
    let udp = try PacketDissector.dissect(packets[1].data.withUnsafeBytes { UnsafeRawBufferPointer($0) }, linkType: .ethernet).get()
    #expect(udp.transport == .udp)
}

@Test func bigEndianClassic() throws {
    let reader = try PcapFileReader(bytes: toBigEndian(try sample(.pcapNanosecond)))
    #expect(reader.format == .pcap(nanosecond: true, bigEndian: true))
    let packets = try reader.readAll()
    #expect(packets.count == 2)
    #expect(packets[0].timestampNanos == 1_293_974_055_123_456_789)
}

@Test(arguments: [LinkType.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw])
func linkTypes(linkType: LinkType) throws {
    for address in [IPAddress.loopbackV4, .loopbackV6] {
        let a = IPEndpoint(address: address, port: 5000), b = IPEndpoint(address: address, port: 24_224)
        let frame = PacketBuilder.tcp(linkType: linkType, source: a, destination: b, sequence: 7, acknowledgment: 9,
                                      flags: [.ack, .psh], payload: [1, 2, 3])
        let p = try frame.withUnsafeBytes { try PacketDissector.dissect($0, linkType: linkType).get() }
        #expect(p.source == a && p.destination == b)
        #expect(p.sequence == 7 && p.acknowledgment == 9 && p.flags == [.ack, .psh])
        #expect(Array(frame[p.payloadOffset..<p.payloadOffset + p.payloadLength]) == [1, 2, 3])
    }
}

@Test func ipv4OptionsAndFragments() throws {
    var frame = PacketBuilder.udp(source: client, destination: server, payload: [0])
    // Insert 4 bytes of IPv4 options (NOP NOP NOP EOL), fix IHL and total length.
    frame.insert(contentsOf: [1, 1, 1, 0], at: 14 + 20)
    frame[14] = 0x46
    let total = Int(frame[16]) << 8 | Int(frame[17]) + 4
    frame[16] = UInt8(total >> 8); frame[17] = UInt8(total & 0xff)
    let p = try frame.withUnsafeBytes { try PacketDissector.dissect($0, linkType: .ethernet).get() }
    #expect(p.transport == .udp && p.payloadLength == 1 && frame[p.payloadOffset] == 0)
    frame[14 + 6] = 0x20  // more fragments
    let r = frame.withUnsafeBytes { PacketDissector.dissect($0, linkType: .ethernet) }
    #expect(r == .failure(DissectFailure(.fragment)))
}

@Test func ipv6ExtensionHeaders() throws {
    let a = IPEndpoint(address: .loopbackV6, port: 1000), b = IPEndpoint(address: .loopbackV6, port: 2000)
    var frame = PacketBuilder.udp(source: a, destination: b, payload: [0xaa])
    // Insert an 8-byte hop-by-hop header in front of UDP.
    frame.insert(contentsOf: [17, 0, 1, 4, 0, 0, 0, 0], at: 14 + 40)
    frame[14 + 6] = 0
    let plen = (Int(frame[18]) << 8 | Int(frame[19])) + 8
    frame[18] = UInt8(plen >> 8); frame[19] = UInt8(plen & 0xff)
    let p = try frame.withUnsafeBytes { try PacketDissector.dissect($0, linkType: .ethernet).get() }
    #expect(p.source == a && p.destination == b && frame[p.payloadOffset] == 0xaa && p.payloadLength == 1)
}

@Test func truncatedRecordNamesFrameAndOffset() throws {
    let bytes = try sample(.pcap)
    let cut = Array(bytes.dropLast(5))
    let reader = try PcapFileReader(bytes: cut)
    _ = try reader.next()
    #expect(throws: PcapFileError.self) { _ = try reader.next() }
    do {
        _ = try PcapFileReader(bytes: cut).readAll()
        Issue.record("expected an error")
    } catch let error {
        guard case let .truncated(frame, offset, _, _) = error else { Issue.record("wrong error \(error)"); return }
        #expect(frame == 2)
        let firstRecord = 16 + PacketBuilder.tcp(source: client, destination: server, sequence: 1, acknowledgment: 0, flags: .syn).count
        #expect(offset == Int64(24 + firstRecord + 16))
    }
}

@Test func corruptLengthDoesNotAllocate() throws {
    var bytes = try sample(.pcap)
    // Captured length of the first record := 0xfffffff0.
    bytes[24 + 8] = 0xf0; bytes[24 + 9] = 0xff; bytes[24 + 10] = 0xff; bytes[24 + 11] = 0xff
    #expect(throws: PcapFileError.corrupt(frame: 1, offset: 24, reason: "captured length 4294967280 exceeds limit 16777216")) {
        _ = try PcapFileReader(bytes: bytes).readAll()
    }
    var ng = try sample(.pcapng)
    // Block length of the first packet block (after 28-byte SHB and 32-byte IDB) := 0x7ffffff0.
    ng[60 + 4] = 0xf0; ng[60 + 5] = 0xff; ng[60 + 6] = 0xff; ng[60 + 7] = 0x7f
    #expect(throws: PcapFileError.self) { _ = try PcapFileReader(bytes: ng).readAll() }
    #expect(throws: PcapFileError.notACapture(magic: 0x0102_0304)) { _ = try PcapFileReader(bytes: [1, 2, 3, 4, 5]) }
}

@Test func randomCorruptionNeverCrashes() throws {
    let good = try sample(.pcapng) + []
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
        var bytes = good
        for _ in 0..<4 { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
        bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
        if let reader = try? PcapFileReader(bytes: bytes, maxRecordLength: 1 << 16) {
            while let p = try? reader.next() {
                _ = p.data.withUnsafeBytes { PacketDissector.dissect($0, linkType: p.linkType) }
            }
        }
    }
}

@Test func fileRoundTripWithSmallBuffer() throws {
    let path = "/tmp/fwdlab-capture-test-\(getpid())-rt.pcap"
    defer { unlink(path) }
    let w = try PcapFileWriter(path: path, format: .pcapNanosecond)
    for i in 0..<1000 {
        try w.write(timestampNanos: Int64(i) * 1000,
                    frame: PacketBuilder.tcp(source: client, destination: server, sequence: UInt32(i * 100), acknowledgment: 1,
                                             flags: .ack, payload: [UInt8](repeating: UInt8(i & 0xff), count: 100)))
    }
    try w.close()
    let r = try PcapFileReader(path: path, bufferSize: 1000)  // forces buffer refills mid-record
    var n = 0
    try r.forEachPacket { p in
        #expect(p.timestampNanos == Int64(n) * 1000)
        #expect(p.bytes.last == UInt8(n & 0xff))
        n += 1
    }
    #expect(n == 1000)
    #expect(throws: PcapFileError.self) { _ = try PcapFileReader(path: "/nonexistent/x.pcap") }
}
