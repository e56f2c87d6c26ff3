import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import NIOCore
import Simulator
import Testing

/// Fluent Bit 5's entries `[[time, metadata], record]` (docs/forward-protocol.md, "Fluent Bit 5 senders"): in a
/// PackedForward blob in_forward 1.16.9 and 1.18.0 pass them on unchecked, and the ledger keeps the inner time and
/// the metadata; in a Forward array they close the connection (both measured by `fwdlab fidelity-receiver`).
@Suite("Receiver: Fluent Bit 5 metadata entries")
struct FluentBitMetadataTests {
    static let metadata = MessagePackValue.map([MessagePackPair("otlp", .map([MessagePackPair("severity_number", 9)]))])
    static let time = EventTime(seconds: 1_700_000_000, nanoseconds: 123)
    /// `time` as an EventTime ext value (0x6553f100 s, 123 ns).
    static let timeValue = MessagePackValue.ext(type: 0, data: [0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 0x7b])

    static func entry(_ seq: Int, metadata: MessagePackValue) -> ByteBuffer {
        MessagePackValue.array([.array([timeValue, metadata]), .map([MessagePackPair("seq", .int(Int64(seq)))])]).encoded
    }

    @Test("PackedForward: acked, every event in the ledger with its inner time and its metadata")
    func packedKeepsMetadata() async throws {
        try await withReceiver({ $0.ledger.keepRecords = true }) { receiver in
            var blob = Self.entry(1, metadata: Self.metadata)
            var second = Self.entry(2, metadata: .map([]))
            blob.writeBuffer(&second)
            ForwardEntry.write(time: Self.time, encodedRecord: MessagePackValue.map([MessagePackPair("seq", 3)]).encoded, into: &blob)
            let frame = MessagePackValue.array(["fb", .string(Array(blob.readableBytesView)),
                                                .map([MessagePackPair("size", 3), MessagePackPair("chunk", "fb-1")])]).encoded
            let client = try RawClient(port: receiver.port)
            client.send(frame)
            #expect(client.readMessage(timeout: 5) == Wire.ack("fb-1"))
            let events = receiver.ledger.events().filter { $0.tag == "fb" }
            #expect(events.map(\.seq) == [1, 2, 3])
            #expect(events.map(\.time) == [.withMetadata(Self.time, integer: false), .withMetadata(Self.time, integer: false), .eventTime(Self.time)])
            #expect(events.map(\.metadata) == [Array(Self.metadata.encoded.readableBytesView), Array(MessagePackValue.map([]).encoded.readableBytesView), nil])
        }
    }

    @Test("Not Fluent Bit's form ([time, non-map], [map, map]): an unchecked other time, as before")
    func otherArraysStayOther() async throws {
        try await withReceiver { receiver in
            var blob = MessagePackValue.array([.array([Self.timeValue, 5]), .map([MessagePackPair("seq", 1)])]).encoded
            var b = MessagePackValue.array([.array([.map([]), .map([])]), .map([MessagePackPair("seq", 2)])]).encoded
            blob.writeBuffer(&b)
            let frame = MessagePackValue.array(["fo", .string(Array(blob.readableBytesView)), .map([MessagePackPair("chunk", "fo-1")])]).encoded
            let client = try RawClient(port: receiver.port)
            client.send(frame)
            #expect(client.readMessage(timeout: 5) == Wire.ack("fo-1"))
            #expect(receiver.ledger.events().filter { $0.tag == "fo" }.map(\.time) == [.other, .other])
        }
    }

    @Test("Forward array: the connection closes, nothing is recorded (Fluentd calls to_i on the array)")
    func forwardCloses() async throws {
        try await withReceiver { receiver in
            let frame = MessagePackValue.array(["ff", .array([.array([.array([Self.timeValue, Self.metadata]), .map([MessagePackPair("seq", 1)])])]),
                                                .map([MessagePackPair("chunk", "ff-1")])]).encoded
            let client = try RawClient(port: receiver.port)
            client.send(frame)
            #expect(client.waitForClose(timeout: 5))
            #expect(receiver.ledger.events().filter { $0.tag == "ff" }.isEmpty)
        }
    }

    @Test("skip_invalid_event: the metadata entries are dropped (Fluentd's rule sees an Array time), the rest acked")
    func skipInvalidDropsThem() async throws {
        try await withReceiver({ $0.skipInvalidEvent = true }) { receiver in
            var blob = Self.entry(1, metadata: .map([]))
            ForwardEntry.write(time: Self.time, encodedRecord: MessagePackValue.map([MessagePackPair("seq", 2)]).encoded, into: &blob)
            let frame = MessagePackValue.array(["fs", .string(Array(blob.readableBytesView)), .map([MessagePackPair("chunk", "fs-1")])]).encoded
            let client = try RawClient(port: receiver.port)
            client.send(frame)
            #expect(client.readMessage(timeout: 5) == Wire.ack("fs-1"))
            #expect(receiver.ledger.events().filter { $0.tag == "fs" }.map(\.seq) == [2])
        }
    }
}
