import Agent
import Foundation
import ForwardProtocol
import NIOCore
import Testing

/// `<buffer> @type file` with `compress zstd` (1.19 profile): chunk files hold one zstd frame per append and are
/// recovered by decoding them; a broken one is moved aside with a warning naming it.
@Suite struct ZstdFileBufferTests {
    static func entries(_ seqs: Range<Int>) -> ByteBuffer {
        var b = ByteBuffer()
        for s in seqs {
            ForwardEntry.write(time: EventTime(seconds: UInt32(1_700_000_000 + s)),
                               encodedRecord: MessagePackValue.map([MessagePackPair("seq", .int(Int64(s)))]).encoded, into: &b)
        }
        return b
    }

    @Test func zstdChunksRecoverAndABrokenOneIsMovedAside() throws {
        let dir = NSTemporaryDirectory() + "fwdlab-zstd-buffer-\(getpid())-\(UInt64.random(in: 0 ... .max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try FileChunkStore(directory: dir, compression: .zstd)
        let good = ChunkID(high: 1, low: 1), bad = ChunkID(high: 1, low: 2)
        for id in [good, bad] { try store.create(id: id, tag: "app.z", createdAt: 1) }
        try store.append(id: good, bytes: try ZstdFrames.compress(Self.entries(0 ..< 2)))
        try store.append(id: good, bytes: try ZstdFrames.compress(Self.entries(2 ..< 5)))
        let frame = try ZstdFrames.compress(Self.entries(0 ..< 3))
        try store.append(id: bad, bytes: frame.getSlice(at: frame.readerIndex, length: frame.readableBytes - 4)!)
        try store.enqueue(id: good, tag: "app.z", createdAt: 1, records: 5, bytes: 0)
        store.close()

        let again = try FileChunkStore(directory: dir, compression: .zstd)
        let recovered = again.recover()
        #expect(recovered.map(\.id) == [good])
        #expect(recovered.first?.records == 5)
        #expect(try ZstdFrames.decompress(try #require(recovered.first).payload) == Self.entries(0 ..< 5))
        #expect(again.recoveryLogs.contains { $0.message.contains("invalid zstd tail") && $0.message.contains(bad.hex) }, "\(again.recoveryLogs)")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/buffer.b\(bad.hex).log.corrupt"))
    }
}
