import ForwardProtocol
import NIOCore
import Testing

/// The resumable frame scanner: partial reads, many frames per read, limits.
@Suite struct FrameScannerTests {
    func sampleFrames() -> [ByteBuffer] {
        var e = ByteBuffer()
        for i in 0 ..< 20 {
            ForwardEntry.write(time: EventTime(seconds: 1_700_000_000 + UInt32(i)),
                               encodedRecord: MessagePackValue.map([.init("seq", .int(Int64(i))), .init("msg", .str("hello"))]).encoded, into: &e)
        }
        return [
            ForwardEncoder.packedForward(tag: "app.log", entries: e, size: 20, chunk: "AAECAwQFBgcICQoLDA0ODw==\n"),
            ForwardEncoder.forward(tag: "x", entries: (0 ..< 40).map { (EventTime(seconds: UInt32($0)), MessagePackValue.map([.init("n", .int(Int64($0)))])) }),
            ForwardEncoder.message(tag: "m", time: EventTime(seconds: 1), record: .map([.init("k", [1, 2, [3, .map([.init("deep", nil)])]])])),
            MessagePackValue.nil.encoded,
        ]
    }

    /// Feeding the stream in pieces of every size yields the same frames as feeding it whole.
    @Test func resumesAcrossEverySplitPoint() throws {
        let frames = sampleFrames()
        var all = ByteBuffer()
        for var f in frames { all.writeBuffer(&f) }
        for piece in [1, 2, 3, 7, 64, 1000] {
            var scanner = MessagePackFrameScanner()
            var pending = ByteBuffer()
            var found: [ByteBuffer] = []
            var input = all
            var iterations = 0
            while input.readableBytes > 0 {
                iterations += 1
                #expect(iterations < 100_000)
                var part = input.readSlice(length: min(piece, input.readableBytes))!
                pending.writeBuffer(&part)
                while case let .frame(length) = try scanner.scan(pending) {
                    found.append(pending.readSlice(length: length)!)
                    scanner.reset()
                }
            }
            #expect(found == frames, "piece size \(piece)")
            #expect(pending.readableBytes == 0)
        }
    }

    @Test func emptyContainersCompleteImmediately() throws {
        var scanner = MessagePackFrameScanner()
        #expect(try scanner.scan(ByteBuffer(hex: "90")) == .frame(length: 1))
        scanner.reset()
        #expect(try scanner.scan(ByteBuffer(hex: "9280 90 c0")) == .frame(length: 3))
    }

    @Test func oversizeFrameIsRejectedBeforeItsBytesArrive() {
        var scanner = MessagePackFrameScanner(limits: .init(maxFrameLength: 1024))
        // [tag, str32 of 4096 bytes]: only the header has arrived.
        #expect(throws: MessagePackError.self) { try scanner.scan(ByteBuffer(hex: "92a174db00001000")) }
    }
}
