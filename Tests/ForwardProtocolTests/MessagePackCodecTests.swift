import Foundation
import ForwardProtocol
import NIOCore
import Testing

/// Encoding and decoding of every MessagePack type, checked against Python msgpack's bytes.
@Suite struct MessagePackCodecTests {
    struct Vector: Decodable {
        let name: String
        let hex: String
    }

    static func vectors() throws -> [Vector] {
        let text = try String(contentsOfFile: Fixture.path("vectors/msgpack.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Vector.self, from: Data($0.utf8)) }
    }

    @Test func pythonVectorsDecodeAndReencodeToTheSameBytes() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count >= 50)
        for v in vectors {
            let bytes = ByteBuffer(hex: v.hex)
            let value = try MessagePackValue.decode(bytes)
            #expect(value.encoded == bytes, "\(v.name)")
            var scanner = MessagePackFrameScanner()
            #expect(try scanner.scan(bytes) == .frame(length: bytes.readableBytes), "\(v.name)")
        }
    }

    @Test(arguments: [Int64(0), 127, 128, 255, 256, 65535, 65536, 4_294_967_295, 4_294_967_296, .max,
                      -1, -32, -33, -128, -129, -32768, -32769, -2_147_483_648, -2_147_483_649, .min])
    func integersRoundTripInTheirSmallestWidth(_ n: Int64) throws {
        var b = ByteBuffer()
        b.writeMessagePackInt(n)
        var r = MessagePackReader(b)
        #expect(try r.readInt() == n)
        #expect(r.isAtEnd)
        let expectedSize: Int
        switch n {
        case -32 ... 127: expectedSize = 1
        case -128 ... 255: expectedSize = 2
        case -32768 ... 65535: expectedSize = 3
        case -2_147_483_648 ... 4_294_967_295: expectedSize = 5
        default: expectedSize = 9
        }
        #expect(b.readableBytes == expectedSize)
    }

    @Test func uint64AboveInt64MaxDecodesAsUInt() throws {
        let b = ByteBuffer(hex: "cfffffffffffffffff")
        #expect(try MessagePackValue.decode(b) == .uint(.max))
        var r = MessagePackReader(b)
        #expect(throws: MessagePackError.integerOverflow(offset: 0)) { try r.readInt() }
    }

    @Test(arguments: [(0, "a0"), (31, "bf"), (32, "d920"), (255, "d9ff"), (256, "da0100"), (65535, "daffff"), (65536, "db00010000")])
    func stringHeaders(_ length: Int, _ header: String) throws {
        var b = ByteBuffer()
        b.writeMessagePackString(String(repeating: "z", count: length))
        #expect(b.hexString.hasPrefix(header))
        var r = MessagePackReader(b)
        #expect(try r.readString().count == length)
    }

    @Test(arguments: [(15, "9f", "8f"), (16, "dc0010", "de0010"), (65536, "dd00010000", "df00010000")])
    func containerHeaders(_ count: Int, _ arrayHeader: String, _ mapHeader: String) throws {
        var b = ByteBuffer()
        b.writeMessagePackArrayHeader(count: count)
        #expect(b.hexString == arrayHeader)
        var m = ByteBuffer()
        m.writeMessagePackMapHeader(count: count)
        #expect(m.hexString == mapHeader)
        var r = MessagePackReader(b, limits: .init(maxContainerCount: 1 << 20))
        #expect(try r.readArrayHeader() == count)
    }

    @Test func binAndExtWidths() throws {
        for (n, header) in [(0, "c400"), (255, "c4ff"), (256, "c50100"), (65536, "c600010000")] {
            var b = ByteBuffer()
            b.writeMessagePackBinary([UInt8](repeating: 7, count: n))
            #expect(b.hexString.hasPrefix(header))
            var r = MessagePackReader(b)
            #expect(try r.readBinaryBytes().readableBytes == n)
        }
        for (n, header) in [(1, "d405"), (2, "d505"), (4, "d605"), (8, "d705"), (16, "d805"), (3, "c70305"), (256, "c8010005"), (65536, "c90001000005")] {
            var b = ByteBuffer()
            b.writeMessagePackExtension(type: 5, data: [UInt8](repeating: 1, count: n))
            #expect(b.hexString.hasPrefix(header), "ext \(n)")
            var r = MessagePackReader(b)
            let (type, data) = try r.readExtension()
            #expect(type == 5 && data.readableBytes == n)
        }
    }

    @Test func floatsRoundTrip() throws {
        let values: [MessagePackValue] = [.float(1.5), .double(-2.25), .double(.infinity), .bool(true), .bool(false), .nil]
        for v in values { #expect(try MessagePackValue.decode(v.encoded) == v) }
    }

    @Test func readerRejectsTheNeverUsedFormatByte() {
        #expect(throws: MessagePackError.invalidFormat(byte: 0xc1, offset: 0)) { try MessagePackValue.decode(ByteBuffer(hex: "c1")) }
    }

    @Test func truncatedValuesThrowNotCrash() {
        for hex in ["cd00", "d9", "d905616263", "92", "9201", "dc00", "81a161", "d7", "c70800", "cb0000"] {
            #expect(throws: MessagePackError.self) { try MessagePackValue.decode(ByteBuffer(hex: hex)) }
        }
    }

    @Test func hostileLengthsAreRejectedWithoutAllocating() {
        let limits = MessagePackLimits(maxDepth: 8, maxFrameLength: 1 << 20, maxContainerCount: 1000)
        for hex in ["dbffffffff", "ddffffffff", "dfffffffff", "c9ffffffff00", "c6ffffffff"] {
            #expect(throws: MessagePackError.self) { try MessagePackValue.decode(ByteBuffer(hex: hex), limits: limits) }
            var scanner = MessagePackFrameScanner(limits: limits)
            #expect(throws: MessagePackError.self) { try scanner.scan(ByteBuffer(hex: hex)) }
        }
    }

    @Test func depthLimitStopsDeepNesting() {
        let deep = ByteBuffer(hex: String(repeating: "91", count: 100) + "c0")
        let limits = MessagePackLimits(maxDepth: 32)
        #expect(throws: MessagePackError.self) { try MessagePackValue.decode(deep, limits: limits) }
        var scanner = MessagePackFrameScanner(limits: limits)
        #expect(throws: MessagePackError.depthExceeded(limit: 32, offset: 32)) { try scanner.scan(deep) }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var rng = SplitMix64(seed: 42)
        for _ in 0 ..< 5000 {
            var b = ByteBuffer()
            let n = Int(rng.next() % 40)
            for _ in 0 ..< n { b.writeInteger(UInt8(truncatingIfNeeded: rng.next())) }
            _ = try? MessagePackValue.decode(b)
            var scanner = MessagePackFrameScanner(limits: .init(maxFrameLength: 1 << 16))
            _ = try? scanner.scan(b)
            _ = try? ForwardFrame.decode(b)
        }
    }
}

/// A tiny deterministic generator for reproducible random tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
