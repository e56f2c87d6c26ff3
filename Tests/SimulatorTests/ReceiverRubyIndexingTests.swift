import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import NIOCore
import Simulator
import Testing

/// What in_forward 1.16.9 makes of input it never type-checks (lib/fluent/plugin/in_forward.rb, `on_message`),
/// measured with `fwdlab fidelity-receiver` (docs/fidelity-receiver.md): the receiver records the same events.
@Suite("Receiver: in_forward's unchecked indexing (non-string tags, bare entries, non-map options, lazy PackedForward)")
struct ReceiverRubyIndexingTests {
    static func encoded(_ v: MessagePackValue) -> ByteBuffer { v.encoded }
    static let rec = MessagePackValue.map([MessagePackPair("seq", 1)])
    static let et = MessagePackValue.ext(type: 0, data: [0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 0])

    /// Sends `frame`, then a probe on the same connection; returns the responses before the probe's ack, or nil
    /// when the connection was closed instead.
    static func exchange(_ receiver: ForwardReceiver, _ frame: ByteBuffer, expectAcks: Int) throws -> [[UInt8]]? {
        let client = try RawClient(port: receiver.port)
        client.send(frame)
        var acks: [[UInt8]] = []
        for _ in 0 ..< expectAcks { if let m = client.readMessage(timeout: 5) { acks.append(m) } }
        client.send(Wire.packed(tag: "probe", seqs: [1], chunk: "probe"))
        guard let probe = client.readMessage(timeout: 5), probe == Wire.ack("probe") else { return nil }
        return acks
    }

    @Test("Integer and string Forward entries are events made of their bits and characters")
    func bareEntries() async throws {
        try await withReceiver({ $0.ledger.keepRecords = true }) { receiver in
            let frame = Self.encoded(.array(["bare", .array([5, "abc", "\u{e9}\u{20ac}x", "z", 4, Self.et]),
                                             .map([MessagePackPair("chunk", "c")])]))
            let r1 = try Self.exchange(receiver, frame, expectAcks: 1)
            #expect(r1 == [Wire.ack("c")])
            let events = receiver.ledger.events().filter { $0.tag == "bare" }
            // 5 → record bit 1 (0), time bit 0 (1); "abc" → "b" at now; "é€x" → "€"; "z" has no e[1]: skipped;
            // 4 → record 0 at now; an EventTime forwards to its seconds (0x6553f100: bits 0, 0).
            #expect(events.map(\.record) == [[0x00], [0xa1, 0x62], [0xa3, 0xe2, 0x82, 0xac], [0x00], [0x00]])
            #expect(events.first?.time == .integer(1))
            #expect(events.dropFirst().allSatisfy { $0.time != .integer(0) }, "a zero time becomes now")
        }
    }

    @Test("Non-string tags are recorded as the text Fluentd prints; [] and [tag] are ignored")
    func tags() async throws {
        try await withReceiver { receiver in
            for (tag, text) in [(MessagePackValue(1), "1"), (.nil, ""), (.map([MessagePackPair("t", 1)]), "{\"t\"=>1}"),
                                (.array([1, "a", .nil]), "[1, \"a\", nil]")] {
                let r2 = try Self.exchange(receiver, Self.encoded(.array([tag, 2, Self.rec])), expectAcks: 0)
                #expect(r2 == [])
                #expect(receiver.ledger.events().contains { $0.tag == text }, "\(text)")
            }
            let r3 = try Self.exchange(receiver, Self.encoded(.array([])), expectAcks: 0)
            #expect(r3 == [])
            let r4 = try Self.exchange(receiver, Self.encoded(.array(["t"])), expectAcks: 0)
            #expect(r4 == [])
            #expect(receiver.ledger.events().filter { $0.tag != "probe" }.count == 4)
        }
    }

    @Test("Options Ruby cannot index close after the emit (Message, Forward) or before it (PackedForward)")
    func raisingOptions() async throws {
        try await withReceiver { receiver in
            let r5 = try Self.exchange(receiver, Self.encoded(.array(["m", Self.et, Self.rec, 7])), expectAcks: 0)
            #expect(r5 == nil)
            let r6 = try Self.exchange(receiver, Self.encoded(.array(["f", .array([.array([Self.et, Self.rec])]), .array(["chunk"])])), expectAcks: 0)
            #expect(r6 == nil)
            var blob = ByteBuffer()
            ForwardEntry.write(time: EventTime(seconds: 1, nanoseconds: 0), encodedRecord: Self.rec.encoded, into: &blob)
            let packed = MessagePackValue.array(["p", .string(Array(blob.readableBytesView)), .bool(true)])
            let r7 = try Self.exchange(receiver, Self.encoded(packed), expectAcks: 0)
            #expect(r7 == nil)
            // Nil record: in_forward returns before it reads the option.
            let r8 = try Self.exchange(receiver, Self.encoded(.array(["n", Self.et, .nil, 7])), expectAcks: 0)
            #expect(r8 == [])
            // A string option containing "chunk" is acked with the substring.
            let r9 = try Self.exchange(receiver, Self.encoded(.array(["s", Self.et, Self.rec, "my-chunk-id"])), expectAcks: 1)
            #expect(r9 == [Wire.ack("chunk")])
            let tags = receiver.ledger.events().map(\.tag)
            #expect(tags.filter { $0 == "m" }.count == 1 && tags.filter { $0 == "f" }.count == 1 && tags.filter { $0 == "s" }.count == 1)
            #expect(!tags.contains("p") && !tags.contains("n"))
        }
    }

    @Test("A PackedForward blob's incomplete tail ends the stream: the complete entries are taken and acked")
    func lazyPackedForward() async throws {
        try await withReceiver { receiver in
            var blob = Wire.entries([1, 2])
            blob.writeBytes([0x92, 0xd7, 0x00, 0x65])
            let frame = ForwardEncoder.packedForward(tag: "lazy", entries: blob, size: 3, chunk: "c")
            let r10 = try Self.exchange(receiver, frame, expectAcks: 1)
            #expect(r10 == [Wire.ack("c")])
            #expect(receiver.ledger.events().filter { $0.tag == "lazy" }.compactMap(\.seq) == [1, 2])
            // Garbage is not incomplete: it still closes.
            var bad = Wire.entries([3])
            bad.writeBytes([0xc1])
            let r11 = try Self.exchange(receiver, ForwardEncoder.packedForward(tag: "bad", entries: bad, size: 2, chunk: "c"), expectAcks: 0)
            #expect(r11 == nil)
            #expect(!receiver.ledger.events().contains { $0.tag == "bad" })
        }
    }
}
