import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import NIOCore
import Simulator
import Testing

/// zstd CompressedPackedForward at the receivers, per release profile (docs/fluentd-model.md, "Release profiles").
@Suite("Receiver: zstd and release profiles")
struct ReceiverZstdTests {
    static func zstd(_ parts: [[Int]]) throws -> ByteBuffer {
        var blob = ByteBuffer()
        for p in parts {
            var frame = try ZstdFrames.compress(Wire.entries(p))
            blob.writeBuffer(&frame)
        }
        return blob
    }

    static func request(_ blob: ByteBuffer, compressed: String, size: Int, chunk: String) -> ByteBuffer {
        var b = ByteBuffer()
        ForwardEncoder.writePackedForwardHead(tag: "z", entriesLength: blob.readableBytes, into: &b)
        var copy = blob
        b.writeBuffer(&copy)
        ForwardOption.write(size: size, compressed: compressed, chunk: chunk, into: &b)
        return b
    }

    @Test("1.19: two zstd frames (one per buffer append) land in the ledger and are acked; the connection stays open")
    func oneNineteenAcceptsZstd() async throws {
        try await withReceiver({ $0.adopt(.v1_19) }) { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(ForwardEncoder.packedForward(tag: "z", entries: try Self.zstd([[1, 2], [3]]), size: 3, compression: .zstd, chunk: "c1"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("c1"))
            // gzip still works under 1.19, on the same connection.
            client.send(ForwardEncoder.packedForward(tag: "z", entries: try GzipMembers.compress(Wire.entries([4])), size: 1, compressed: true, chunk: "c2"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("c2"))
            let events = receiver.ledger.events()
            #expect(events.compactMap(\.seq) == [1, 2, 3, 4])
            #expect(events.allSatisfy { $0.mode == .compressedPackedForward && $0.tag == "z" })
        }
    }

    @Test("1.19: a truncated or corrupt zstd blob, or an unknown codec, closes the connection with a reason naming the peer; nothing is accepted")
    func oneNineteenRejectsBadBlobs() async throws {
        let good = try Self.zstd([[1, 2, 3]])
        var corrupt = good
        corrupt.setInteger(UInt8(0xff), at: good.readerIndex + 7)
        corrupt.setInteger(UInt8(0xff), at: good.readerIndex + 8)
        let cases: [(ByteBuffer, String, String)] = [
            (good.getSlice(at: good.readerIndex, length: good.readableBytes - 5)!, "zstd", "zstd: frame 1 is truncated"),
            (corrupt, "zstd", "zstd: frame 1 is corrupt"),
            (good, "lz4", "Unknown compression type: lz4"),
        ]
        try await withReceiver({ $0.adopt(.v1_19) }) { receiver in
            for (i, (blob, codec, detail)) in cases.enumerated() {
                let client = try RawClient(port: receiver.port)
                client.send(Self.request(blob, compressed: codec, size: 3, chunk: "bad\(i)"))
                #expect(client.waitForClose(timeout: 5), "\(detail)")
                let rejection = try #require(receiver.ledger.rejections().last)
                #expect(rejection.reason == .decompression)
                #expect(rejection.detail.contains(detail), "\(rejection.detail)")
                #expect(rejection.peer.hasPrefix("127.0.0.1:"))
            }
            #expect(receiver.ledger.count == 0)
            #expect(receiver.stats.snapshot().acks == 0)
        }
    }

    @Test("A zstd bomb stops at the receiver's decompression limit")
    func zstdBombIsBounded() async throws {
        var zeros = ByteBuffer()
        zeros.writeRepeatingByte(0, count: 4 << 20)
        let bomb = try ZstdFrames.compress(zeros)
        try await withReceiver({ $0.adopt(.v1_19); $0.maxDecompressedSize = 1 << 20 }) { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(Self.request(bomb, compressed: "zstd", size: 1, chunk: "bomb"))
            #expect(client.waitForClose(timeout: 5))
            #expect(receiver.ledger.rejections().last?.detail.contains("output exceeds limit of 1048576 bytes") == true)
        }
    }

    /// Three events `[1700000000 + i, {"seq": i, "msg": "hellohellohello"}]` in two frames of the zstd tool (read
    /// from a pipe: no content size, with checksums), the frame sent to real Fluentd below.
    static let cliBlob = ByteBuffer(bytes: Wire.hex("28b52ffd04585d0100140292ce6553f10082a373657100a36d7367af68656c6c6f92ce6553f10101a36d736702004389025b69028ee4deb428b52ffd04582d0100e0af68656c6c6f92ce6553f10282a373657102a36d7367af68656c6c6f02007dee85ad1401b2a4e2a9"))

    /// Real Fluentd 1.16.9 relaying (in_forward → out_forward with a memory buffer, run 2026-12-07) acked
    /// `[tag, cliBlob, {"size": 3, "compressed": "zstd", "chunk": "abc"}]` and forwarded the blob as plain entries: the
    /// next receiver read 8 events whose times were 40 (the magic's first byte), nil, nil, nil, 103, 2, 0 and 67.
    /// (With out_stdout, 1.16.9 and 1.18.0 instead reset the connection: the formatter raises on a string time, the
    /// output-dependent case of docs/fidelity-receiver.md.)
    @Test("1.16 and 1.18 (the default): a zstd blob is read as plain PackedForward entries and acked, as in_forward 1.16.9 relaying does",
          arguments: [FluentdReleaseProfile.v1_16, .v1_18])
    func olderReleasesDoNotDecodeZstd(profile: FluentdReleaseProfile) async throws {
        try await withReceiver({ $0.adopt(profile) }) { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(Self.request(Self.cliBlob, compressed: "zstd", size: 3, chunk: "abc"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("abc"))
            let events = receiver.ledger.events()
            #expect(events.map(\.time) == [.integer(40), .other, .other, .other, .integer(103), .integer(2), .integer(0), .integer(67)])
            #expect(events.allSatisfy { $0.mode == .packedForward && $0.seq == nil })
        }
        // The same request under 1.19: the three events.
        try await withReceiver({ $0.adopt(.v1_19) }) { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(Self.request(Self.cliBlob, compressed: "zstd", size: 3, chunk: "abc"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("abc"))
            let events = receiver.ledger.events()
            #expect(events.compactMap(\.seq) == [0, 1, 2])
            #expect(events.map(\.time) == (0 ..< 3).map { .integer(1_700_000_000 + $0) })
        }
    }

    @Test("skip_invalid_event defaults per profile; a config file's value still wins")
    func skipInvalidEventDefault() throws {
        var base = ReceiverSettings()
        #expect(base.skipInvalidEvent == false)
        base.adopt(.v1_19)
        #expect(base.skipInvalidEvent)
        #expect(try ReceiverConfigLoader.parse(text: "<source>\n  @type forward\n</source>", base: base).settings.skipInvalidEvent)
        #expect(try !ReceiverConfigLoader.parse(text: "<source>\n  @type forward\n  skip_invalid_event false\n</source>", base: base).settings.skipInvalidEvent)
        base.adopt(.v1_18)
        #expect(try !ReceiverConfigLoader.parse(text: "<source>\n  @type forward\n</source>", base: base).settings.skipInvalidEvent)
    }

    @Test("topology receivers: fluentd_version picks the profile (and its skip_invalid_event default) before the other keys")
    func topologyFluentdVersion() throws {
        let yaml = """
        receivers:
          - {name: a, fluentd_version: "1.19"}
          - {name: b, fluentd_version: "1.19", skip_invalid_event: false}
          - {name: c}
        """
        let t = try TopologyLoader.parse(yaml, file: "t.yaml")
        #expect(t.receivers.map(\.settings.profile) == [.v1_19, .v1_19, .v1_16])
        #expect(t.receivers.map(\.settings.skipInvalidEvent) == [true, false, false])
        do {
            _ = try TopologyLoader.parse("receivers:\n  - {name: a, fluentd_version: \"1.15\"}\n", file: "t.yaml")
            Issue.record("accepted fluentd_version 1.15")
        } catch {
            #expect("\(error)".contains("t.yaml:2:"), "\(error)")
            #expect("\(error)".contains("unknown Fluentd version '1.15'"), "\(error)")
        }
    }
}
