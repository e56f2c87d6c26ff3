import ForwardProtocol
import ForwardLabTestSupport
import ForwardServer
import NIOCore
import Simulator
import Testing

@Suite("Receiver: the four modes, acks, in_forward message rules")
struct ReceiverModeTests {
    @Test("PackedForward (out_forward's exact bytes, docs/forward-protocol.md, 'Worked example') is acked byte-for-byte")
    func packedForwardExample() async throws {
        try await withReceiver { receiver in
            let client = try RawClient(port: receiver.port)
            let bytes = Wire.hex("93a474657374db0000001e92d7004d207a270000000081a1610192d7004d207a270000000081a16102") +
                Wire.hex("83a473697a6502aa636f6d70726573736564a474657874a56368756e6bb9") + Array(Wire.chunkID.utf8)
            #expect(bytes.count == 96)
            client.send(bytes)
            let ack = client.readMessage(timeout: 5)
            #expect(ack == Wire.hex("81a361636bb9") + Array("AAECAwQFBgcICQoLDA0ODw==\n".utf8))
            let events = receiver.ledger.events()
            #expect(events.count == 2)
            #expect(events.allSatisfy { $0.tag == "test" && $0.mode == .packedForward && $0.chunkID == Wire.chunkID })
            #expect(events.first?.time == .eventTime(EventTime(seconds: 1_293_974_055)))
            #expect(events.first?.seq == nil)
            #expect(receiver.stats.snapshot().acks == 1)
        }
    }

    @Test("Message, Forward, PackedForward and gzip CompressedPackedForward all land in the ledger with acks")
    func allModes() async throws {
        try await withReceiver { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(ForwardEncoder.message(tag: "m", time: Wire.time, record: Wire.record(1), option: Wire.option(chunk: "c1")))
            #expect(client.readMessage(timeout: 5) == Wire.ack("c1"))
            client.send(ForwardEncoder.forward(tag: "f", entries: [(Wire.time, Wire.record(2)), (Wire.time, Wire.record(3))],
                                               option: Wire.option(chunk: "c2")))
            #expect(client.readMessage(timeout: 5) == Wire.ack("c2"))
            client.send(Wire.packed(tag: "p", seqs: [4, 5, 6], chunk: "c3"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("c3"))
            // Two gzip members, as out_forward produces one per buffer append (docs/forward-protocol.md, "Carrier modes").
            var gz = try GzipMembers.compress(Wire.entries([7, 8]))
            var second = try GzipMembers.compress(Wire.entries([9]))
            gz.writeBuffer(&second)
            client.send(ForwardEncoder.packedForward(tag: "z", entries: gz, size: 3, compressed: true, chunk: "c4"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("c4"))
            let events = receiver.ledger.events()
            #expect(events.compactMap(\.seq) == Array(1 ... 9).map(Int64.init))
            #expect(events.map(\.mode) == [.message, .forward, .forward, .packedForward, .packedForward, .packedForward,
                                           .compressedPackedForward, .compressedPackedForward, .compressedPackedForward])
            #expect(events.map(\.tag) == ["m", "f", "f", "p", "p", "p", "z", "z", "z"])
            #expect(receiver.ledger.chunkAcceptCounts() == ["c1": 1, "c2": 1, "c3": 1, "c4": 1])
        }
    }

    @Test("No chunk option: no response bytes in any mode (docs/forward-protocol.md, 'Ack response'; tif.rb:842-978)")
    func noAckWithoutChunk() async throws {
        try await withReceiver { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(ForwardEncoder.message(tag: "m", time: Wire.time, record: Wire.record(1)))
            client.send(ForwardEncoder.forward(tag: "f", entries: [(Wire.time, Wire.record(2))]))
            client.send(Wire.packed(seqs: [3], chunk: nil))
            client.send(ForwardEncoder.packedForward(tag: "z", entries: try GzipMembers.compress(Wire.entries([4])), size: 1, compressed: true))
            // A falsy chunk (nil) is no ack either.
            client.send(ForwardEncoder.message(tag: "m", time: Wire.time, record: Wire.record(5),
                                               option: .map([MessagePackPair("chunk", .nil)])))
            #expect(await receiver.ledger.wait(forEvents: 5, timeout: .seconds(5)))
            #expect(client.readSome(timeout: 0.3) == .timeout)
            #expect(receiver.stats.snapshot().acks == 0)
        }
    }

    @Test("Message mode: nil record → no emit, no ack; zero time → now (docs/forward-protocol.md, 'Request processing')")
    func messageRules() async throws {
        try await withReceiver { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(ForwardEncoder.message(tag: "m", time: Wire.time, record: .nil, option: Wire.option(chunk: "nil")))
            client.send(ForwardEncoder.message(tag: "m", time: EventTime(seconds: 0), record: Wire.record(1), option: Wire.option(chunk: "zero")))
            // The first ack on the wire is the zero-time one: the nil-record request got none.
            #expect(client.readMessage(timeout: 5) == Wire.ack("zero"))
            let e = try #require(receiver.ledger.events().first)
            #expect(receiver.ledger.count == 1)
            #expect(e.time.unixSeconds > 1_600_000_000)
            #expect(receiver.ledger.rejectionCountsByReason()[.nilRecord] == 1)
        }
    }

    @Test("Forward mode without skip_invalid_event: nil records skipped, zero times → now; PackedForward keeps zero times")
    func forwardNormalisation() async throws {
        try await withReceiver { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(ForwardEncoder.forward(tag: "f", entries: [(EventTime(seconds: 0), Wire.record(1)), (Wire.time, .nil), (Wire.time, Wire.record(2))],
                                               option: Wire.option(chunk: "a")))
            #expect(client.readMessage(timeout: 5) == Wire.ack("a"))
            var zero = ByteBuffer()
            ForwardEntry.write(time: EventTime(seconds: 0), encodedRecord: Wire.record(3).encoded, into: &zero)
            client.send(ForwardEncoder.packedForward(tag: "p", entries: zero, size: 1, chunk: "b"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("b"))
            let events = receiver.ledger.events()
            #expect(events.compactMap(\.seq) == [1, 2, 3])
            #expect(events[0].time.unixSeconds > 1_600_000_000)
            #expect(events[2].time == .eventTime(EventTime(seconds: 0)))
        }
    }

    @Test("skip_invalid_event: invalid events dropped, ack still sent (docs/forward-protocol.md, 'Invalid events'; tif.rb:177-205)")
    func skipInvalidEvent() async throws {
        try await withReceiver({ $0.skipInvalidEvent = true }) { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(ForwardEncoder.message(tag: "m", time: Wire.time, record: .str("not a map"), option: Wire.option(chunk: "m1")))
            #expect(client.readMessage(timeout: 5) == Wire.ack("m1"))
            var mixed = Wire.entries([1])
            mixed.writeInteger(UInt8(0x92)); mixed.writeMessagePackString("bad time"); Wire.record(2).encode(into: &mixed)
            var third = Wire.entries([3])
            mixed.writeBuffer(&third)
            client.send(ForwardEncoder.packedForward(tag: "p", entries: mixed, size: 3, chunk: "p1"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("p1"))
            client.send(ForwardEncoder.forward(tag: "f", entries: [(Wire.time, Wire.record(4)), (Wire.time, .int(5))], option: Wire.option(chunk: "f1")))
            #expect(client.readMessage(timeout: 5) == Wire.ack("f1"))
            #expect(receiver.ledger.events().compactMap(\.seq) == [1, 3, 4])
            #expect(receiver.ledger.rejectionCountsByReason()[.invalidEvent] == 3)
        }
    }

    @Test("tag and add_tag_prefix rewrite the tag; source_address_key lands in kept records")
    func tagRewriting() async throws {
        try await withReceiver({
            $0.tag = "fixed"; $0.addTagPrefix = "pre"; $0.sourceAddressKey = "src"; $0.ledger.keepRecords = true
        }) { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(Wire.packed(tag: "orig", seqs: [1], chunk: "t"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("t"))
            let e = try #require(receiver.ledger.events().first)
            #expect(e.tag == "pre.fixed")
            let record = try MessagePackValue.decode(ByteBuffer(bytes: try #require(e.record)))
            #expect(record["src"]?.stringValue == "127.0.0.1")
            #expect(record["seq"]?.intValue == 1)
        }
    }

    @Test("deny_keepalive: ack written, then the connection is closed")
    func denyKeepalive() async throws {
        try await withReceiver({ $0.denyKeepalive = true; $0.lingerTimeout = nil }) { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(Wire.packed(seqs: [1], chunk: "k"))
            #expect(client.readMessage(timeout: 5) == Wire.ack("k"))
            #expect(client.waitForClose(timeout: 5))
            // Without an ack the close is immediate.
            let second = try RawClient(port: receiver.port)
            second.send(Wire.packed(seqs: [2], chunk: nil))
            #expect(second.waitForClose(timeout: 5))
            #expect(receiver.ledger.count == 2)
        }
    }

    @Test("chunk_size_limit drops without ack; per-read accounting reproduces quirk 23 (docs/quirks.md)")
    func chunkSizeLimit() async throws {
        let small = Wire.packed(seqs: [1], chunk: "s1")
        try await withReceiver({ $0.chunkSizeLimit = small.readableBytes + 10 }) { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(Wire.packed(seqs: Array(10 ..< 40), chunk: "big"))
            #expect(await receiver.ledger.wait(forRejections: 1, timeout: .seconds(5)))
            #expect(receiver.ledger.rejectionCountsByReason()[.chunkSizeLimit] == 1)
            // Two small messages in one write: the first gets the whole read's byte count (> limit) and
            // is dropped; the second gets 0 and is accepted (if.rb:245-270).
            var two = Wire.packed(seqs: [1], chunk: "s1")
            var other = Wire.packed(seqs: [2], chunk: "s2")
            two.writeBuffer(&other)
            client.send(two)
            #expect(client.readMessage(timeout: 5) == Wire.ack("s2"))
            #expect(client.readSome(timeout: 0.2) == .timeout)
            #expect(receiver.ledger.events().compactMap(\.seq) == [2])
        }
    }

    @Test("JSON connections: parsed with JSONSerialization, answered in JSON (docs/forward-protocol.md, 'Framing', 'Ack response')")
    func jsonMode() async throws {
        try await withReceiver { receiver in
            let client = try RawClient(port: receiver.port)
            client.send(Array(#"["app.json", 1700000000, {"seq": 7, "m": "x"}, {"chunk": "j1"}] ["app.json",[[1700000001,{"seq":8}]],{"chunk":"j2"}]"#.utf8))
            let first = client.read(count: 14, timeout: 5)
            #expect(String(decoding: first, as: UTF8.self).replacingOccurrences(of: " ", with: "") == #"{"ack":"j1"}{"ack":"j2"}"#.prefix(first.count))
            #expect(await receiver.ledger.wait(forEvents: 2, timeout: .seconds(5)))
            let events = receiver.ledger.events()
            #expect(events.compactMap(\.seq) == [7, 8])
            #expect(events[0].time == .integer(1_700_000_000))
            // A top-level object is a "broken chunk": dropped, connection kept.
            client.send(Array(#"{"a":1}"#.utf8))
            #expect(await receiver.ledger.wait(forRejections: 1, timeout: .seconds(5)))
            #expect(receiver.ledger.rejectionCountsByReason()[.brokenChunk] == 1)
        }
    }
}
