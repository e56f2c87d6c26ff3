import ForwardProtocol
import NIOCore
import Testing

/// zstd CompressedPackedForward: concatenated frames, bounded output, errors for corrupt or truncated blobs, and which
/// `compressed` values each release profile decodes.
@Suite struct ZstdFramesTests {
    /// `[1, {"a": 1}]` and `[2, {"a": 2}]`, each compressed by the zstd 1.5 command-line tool (`zstd -c`, with a
    /// checksum): frames this project's encoder did not make.
    static let cliFrame1 = ByteBuffer(hex: "28b52ffd2406310000920181a16101533df352")
    static let cliFrame2 = ByteBuffer(hex: "28b52ffd2406310000920281a16102681976bc")

    static func entries(_ range: Range<Int>) -> ByteBuffer {
        var b = ByteBuffer()
        for i in range {
            b.writeMessagePackArrayHeader(count: 2)
            EventTime(seconds: UInt32(1_700_000_000 + i)).encode(into: &b)
            MessagePackValue.map([.init("seq", .int(Int64(i))), .init("msg", .str(String(repeating: "x", count: i % 50)))]).encode(into: &b)
        }
        return b
    }

    @Test func decodesFramesOfAnotherEncoder() throws {
        var blob = Self.cliFrame1
        var second = Self.cliFrame2
        blob.writeBuffer(&second)
        #expect(try ZstdFrames.decompress(blob) == ByteBuffer(hex: "920181a16101920281a16102"))
    }

    @Test func concatenatedFramesRoundTrip() throws {
        let parts = [Self.entries(0 ..< 3), Self.entries(3 ..< 400), Self.entries(400 ..< 401)]
        var blob = ByteBuffer()
        var plain = ByteBuffer()
        for p in parts {
            var z = try ZstdFrames.compress(p)
            #expect(z.getBytes(at: z.readerIndex, length: 4) == [0x28, 0xb5, 0x2f, 0xfd])
            blob.writeBuffer(&z)
            var copy = p
            plain.writeBuffer(&copy)
        }
        #expect(try ZstdFrames.decompress(blob) == plain)
        // Through the codec type, as the receivers call it.
        #expect(try ForwardCompression.zstd.decompress(blob) == plain)
        // An empty blob holds no events (Fluentd returns an empty blob unchanged); a frame of nothing decodes to nothing.
        #expect(try ZstdFrames.decompress(ByteBuffer()).readableBytes == 0)
        #expect(try ZstdFrames.decompress(try ZstdFrames.compress(ByteBuffer())).readableBytes == 0)
    }

    @Test func corruptTruncatedAndOversizedBlobsThrow() throws {
        let z = try ZstdFrames.compress(Self.entries(0 ..< 500))
        for cut in [1, 4, 10, z.readableBytes / 2, z.readableBytes - 1] {
            let truncated = z.getSlice(at: z.readerIndex, length: cut)!
            #expect(throws: ForwardProtocolError.self) { try ZstdFrames.decompress(truncated) }
        }
        // A good frame followed by a cut one: the second is named.
        var two = Self.cliFrame1
        var cut = Self.cliFrame2.getSlice(at: 0, length: 12)!
        two.writeBuffer(&cut)
        #expect(throws: ForwardProtocolError.zstd("frame 2 is truncated")) { try ZstdFrames.decompress(two) }
        // Not zstd at all (a gzip member's magic).
        #expect(throws: ForwardProtocolError.self) { try ZstdFrames.decompress(try GzipMembers.compress(Self.entries(0 ..< 3))) }
        // The checksum catches a flipped content byte.
        var flipped = Self.cliFrame1
        flipped.setInteger(UInt8(0x93), at: 9)
        #expect(throws: ForwardProtocolError.self) { try ZstdFrames.decompress(flipped) }
        // A bomb: 8 MB of zeros compress to a few hundred bytes; the limit stops the output, not the input size.
        var zeros = ByteBuffer()
        zeros.writeRepeatingByte(0, count: 8 << 20)
        let bomb = try ZstdFrames.compress(zeros)
        #expect(bomb.readableBytes < 4096)
        #expect(throws: ForwardProtocolError.zstd("output exceeds limit of 1048576 bytes")) { try ZstdFrames.decompress(bomb, maxSize: 1 << 20) }
        #expect(try ZstdFrames.decompress(bomb, maxSize: 8 << 20).readableBytes == 8 << 20)
        #expect(throws: ForwardProtocolError.unknownCompression("lz4")) { try ForwardCompression(optionValue: "lz4").decompress(bomb) }
    }

    func packed(_ blob: ByteBuffer, compressed: String) -> ByteBuffer {
        var b = ByteBuffer()
        ForwardEncoder.writePackedForwardHead(tag: "z", entriesLength: blob.readableBytes, into: &b)
        var copy = blob
        b.writeBuffer(&copy)
        ForwardOption.write(size: 1, compressed: compressed, chunk: "c", into: &b)
        return b
    }

    /// 1.16 and 1.18 decompress only `gzip` (anything else is read as plain entries); 1.19 every value but `text`.
    @Test func profilesDecideWhichOptionValuesAreCompressed() throws {
        let cases: [(FluentdReleaseProfile, String, ForwardCompression?)] = [
            (.v1_16, "gzip", .gzip), (.v1_16, "zstd", nil), (.v1_16, "text", nil), (.v1_16, "lz4", nil),
            (.v1_18, "gzip", .gzip), (.v1_18, "zstd", nil),
            (.v1_19, "gzip", .gzip), (.v1_19, "zstd", .zstd), (.v1_19, "text", nil), (.v1_19, "lz4", .unknown("lz4")),
        ]
        for (profile, value, expected) in cases {
            guard case let .request(r) = try ForwardFrame.decode(packed(Self.cliFrame1, compressed: value), profile: profile) else {
                Issue.record("not a request"); continue
            }
            #expect(r.compression == expected, "\(profile) \(value)")
            #expect(r.mode == (expected == nil ? .packedForward : .compressedPackedForward), "\(profile) \(value)")
        }
        // The default decoding is 1.16's.
        guard case let .request(r) = try ForwardFrame.decode(packed(Self.cliFrame1, compressed: "zstd")) else { Issue.record("not a request"); return }
        #expect(r.mode == .packedForward)
    }

    @Test func profileNamesAndQuestions() {
        #expect(FluentdReleaseProfile.default == .v1_16)
        #expect(FluentdReleaseProfile(name: "1.19") == .v1_19)
        #expect(FluentdReleaseProfile(name: "v1.18") == .v1_18)
        #expect(FluentdReleaseProfile(name: "1.17") == nil)
        #expect(FluentdReleaseProfile(name: "1.19.3") == nil)
        #expect(FluentdReleaseProfile.v1_16.forwardCompressValues == ["text", "gzip"])
        #expect(FluentdReleaseProfile.v1_19.forwardCompressValues == ["text", "gzip", "zstd"])
        #expect(!FluentdReleaseProfile.v1_18.acceptsZstd && FluentdReleaseProfile.v1_19.acceptsZstd)
        #expect(!FluentdReleaseProfile.v1_16.skipInvalidEventDefault && !FluentdReleaseProfile.v1_18.skipInvalidEventDefault)
        #expect(FluentdReleaseProfile.v1_19.skipInvalidEventDefault)
    }
}
