import ForwardProtocol
import NIOCore
import Testing

/// Classifying requests into the four modes and reading their entries and options.
@Suite struct ForwardFrameTests {
    func request(_ b: ByteBuffer) throws -> ForwardRequest {
        guard case let .request(r) = try ForwardFrame.decode(b) else { throw ForwardProtocolError.badShape("not a request") }
        return r
    }

    func entries(_ r: ForwardRequest, decompressed: ByteBuffer? = nil) throws -> [ForwardEntry] {
        var it = decompressed.map { ForwardEntryIterator(packed: $0) } ?? r.entries()
        var out: [ForwardEntry] = []
        while let e = try it.next() { out.append(e) }
        return out
    }

    @Test func messageMode() throws {
        let r = try request(ForwardEncoder.message(tag: "m", time: EventTime(seconds: 5), record: ["a"], option: .map([.init("chunk", "abc")])))
        #expect(r.mode == .message)
        #expect(r.tagString == "m")
        #expect(r.wantsAck)
        #expect(r.option?.chunkString == "abc")
        let e = try entries(r)
        #expect(e.count == 1 && e[0].time == .eventTime(EventTime(seconds: 5)))
        #expect(e[0].recordKind == .array && !e[0].isValid)
    }

    @Test func forwardModeWithIntegerTimes() throws {
        var b = ByteBuffer()
        b.writeMessagePackArrayHeader(count: 2)
        b.writeMessagePackString("f")
        b.writeMessagePackArrayHeader(count: 2)
        for i in 0 ..< 2 {
            b.writeMessagePackArrayHeader(count: 2)
            b.writeMessagePackInt(100 + i)
            MessagePackValue.map([.init("seq", .int(Int64(i)))]).encode(into: &b)
        }
        let r = try request(b)
        #expect(r.mode == .forward && !r.wantsAck)
        let e = try entries(r)
        #expect(e.map(\.time) == [.integer(100), .integer(101)])
        #expect(e.map { RecordFields.integer(forKey: bytes("seq"), in: $0.record) } == [0, 1])
    }

    @Test func packedForwardAcceptsStrAndBin() throws {
        var entriesBytes = ByteBuffer()
        ForwardEntry.write(time: EventTime(seconds: 1), encodedRecord: MessagePackValue.map([.init("seq", 7)]).encoded, into: &entriesBytes)
        for asBinary in [false, true] {
            var b = ByteBuffer()
            b.writeMessagePackArrayHeader(count: 3)
            b.writeMessagePackString("p")
            if asBinary { b.writeMessagePackBinary(entriesBytes.readableBytesView) } else { b.writeMessagePackString(bytes: entriesBytes.readableBytesView) }
            MessagePackValue.map([.init("size", 1), .init("unknown", [1, 2]), .init("chunk", .binary([1, 2]))]).encode(into: &b)
            let r = try request(b)
            #expect(r.mode == .packedForward)
            #expect(r.option?.size == 1 && r.wantsAck)
            #expect(try entries(r).count == 1)
        }
    }

    @Test func falsyChunkMeansNoAck() throws {
        for chunk: MessagePackValue in [.nil, .bool(false)] {
            let r = try request(ForwardEncoder.message(tag: "m", time: EventTime(seconds: 5), record: .map([]), option: .map([.init("chunk", chunk)])))
            #expect(!r.wantsAck)
        }
    }

    @Test func compressedPackedForwardWithSeveralMembers() throws {
        var plain = ByteBuffer()
        var blob = ByteBuffer()
        for i in 0 ..< 3 {
            var member = ByteBuffer()
            ForwardEntry.write(time: EventTime(seconds: UInt32(i)), encodedRecord: MessagePackValue.map([.init("seq", .int(Int64(i)))]).encoded, into: &member)
            var copy = member
            plain.writeBuffer(&copy)
            var gz = try GzipMembers.compress(member)
            blob.writeBuffer(&gz)
        }
        var b = ByteBuffer()
        b.writeInteger(UInt8(0x93))
        b.writeMessagePackString("z")
        b.writeMessagePackString32Header(length: blob.readableBytes)
        var blobCopy = blob
        b.writeBuffer(&blobCopy)
        ForwardOption.write(size: 3, compressed: "gzip", chunk: nil, into: &b)
        let r = try request(b)
        #expect(r.mode == .compressedPackedForward)
        guard case let .compressed(gz) = r.payload else { Issue.record("not compressed"); return }
        let inflated = try GzipMembers.decompress(gz)
        #expect(inflated == plain)
        #expect(try entries(r, decompressed: inflated).count == 3)
    }

    @Test func truncatedOrCorruptGzipThrows() throws {
        var data = ByteBuffer()
        data.writeString(String(repeating: "abcdefgh", count: 500))
        let gz = try GzipMembers.compress(data)
        for cut in [1, 10, gz.readableBytes / 2, gz.readableBytes - 1] {
            let truncated = gz.getSlice(at: gz.readerIndex, length: cut)!
            #expect(throws: ForwardProtocolError.self) { try GzipMembers.decompress(truncated) }
        }
        var corrupt = gz
        corrupt.setInteger(UInt8(0xff), at: 12)
        corrupt.setInteger(UInt8(0xff), at: 13)
        #expect(throws: ForwardProtocolError.self) { try GzipMembers.decompress(corrupt) }
        #expect(throws: ForwardProtocolError.self) { try GzipMembers.decompress(gz, maxSize: 100) }
    }

    @Test func nilAndNonArrayFrames() throws {
        guard case .heartbeatNil = try ForwardFrame.decode(ByteBuffer(hex: "c0")) else { Issue.record("nil"); return }
        guard case .broken = try ForwardFrame.decode(ByteBuffer(hex: "81a161a162")) else { Issue.record("map"); return }
    }

    private func request(_ hex: String) throws -> ForwardRequest {
        guard case let .request(r) = try ForwardFrame.decode(ByteBuffer(hex: hex)) else { throw ForwardProtocolError.badShape("not a request") }
        return r
    }

    /// in_forward checks neither the array's length nor the tag's type (docs/fidelity-receiver.md).
    @Test func shortArraysAreMessagesWithoutARecord() throws {
        for hex in ["90", "91a174", "92a17401"] {
            let r = try request(hex)
            guard case let .message(_, _, kind) = r.payload else { Issue.record("\(hex): not Message mode"); continue }
            #expect(kind == .nil, "\(hex)")
            #expect(r.option == nil)
        }
        #expect(try request("90").tagIsString == false)
        #expect(try request("90").tagString == "")
        #expect(try request("91a174").tagString == "t")
    }

    @Test func nonStringTagsBecomeRubyText() throws {
        let cases: [(MessagePackValue, String)] = [
            (1, "1"), (.nil, ""), (.map([MessagePackPair("t", 1)]), "{\"t\"=>1}"), (.array([1, "a", .nil]), "[1, \"a\", nil]"),
            (.bool(true), "true"), (.double(1.5), "1.5"), (.double(2), "2.0"), (-7, "-7"),
            (.map([MessagePackPair("q", .str("a\"b\n"))]), "{\"q\"=>\"a\\\"b\\n\"}"),
        ]
        for (tag, text) in cases {
            var b = ByteBuffer()
            MessagePackValue.array([tag, 2, .map([MessagePackPair("a", 1)])]).encode(into: &b)
            guard case let .request(r) = try ForwardFrame.decode(b) else { Issue.record("\(tag)"); continue }
            #expect(r.tagString == text)
            #expect(r.tagIsString == false)
        }
        var b = ByteBuffer()
        MessagePackValue.array([.ext(type: 5, data: [1]), 2, .map([])]).encode(into: &b)
        #expect(throws: MessagePackError.self) { try ForwardFrame.decode(b) }
        // A huge container as the tag is refused rather than decoded into a tree (a deliberate limit).
        var huge = ByteBuffer()
        MessagePackValue.array([.array(Array(repeating: 1, count: ForwardFrame.maxNonStringTagLength + 1)), 2, .map([])]).encode(into: &huge)
        #expect(throws: MessagePackError.self) { try ForwardFrame.decode(huge) }
    }

    /// A non-map option: Ruby indexes it anyway (ForwardOption.lookupRaises, String#[] substring search).
    @Test func nonMapOptions() throws {
        func option(_ v: MessagePackValue) throws -> ForwardOption? {
            var b = ByteBuffer()
            MessagePackValue.array(["t", 1, .map([]), v]).encode(into: &b)
            guard case let .request(r) = try ForwardFrame.decode(b) else { throw ForwardProtocolError.badShape("not a request") }
            return r.option
        }
        let chunky = try option("my-chunk-id")
        #expect(chunky?.wantsAck == true && chunky?.lookupRaises == false)
        #expect(chunky?.chunk.map { Array($0.readableBytesView) } == [0xa5] + Array("chunk".utf8))
        let binChunky = try option(.binary(Array("bin-chunk".utf8)))
        #expect(binChunky?.chunk.map { Array($0.readableBytesView) } == [0xa5] + Array("chunk".utf8), "String#[] returns a str")
        #expect(try option("nothing here")?.wantsAck == false)
        #expect(try option(.nil) == nil)
        #expect(try option(.bool(false)) == nil)
        for raising: MessagePackValue in [7, .bool(true), .double(1.5), .array(["chunk"])] {
            let o = try option(raising)
            #expect(o?.lookupRaises == true && o?.wantsAck == false, "\(raising)")
        }
    }

    @Test func eventTimeReadsTheFirstEightBytes() throws {
        var r = MessagePackReader(ByteBuffer(hex: "d800" + "6553f100" + "00000001" + "0909090909090909"))
        #expect(try r.readEntryTime() == .eventTime(EventTime(seconds: 0x6553_f100, nanoseconds: 1)))
        var short = MessagePackReader(ByteBuffer(hex: "d60001020304"))
        #expect(throws: MessagePackError.self) { try short.readEntryTime() }
    }
}
