import ForwardProtocol
import NIOCore

/// Forward-protocol requests and the exact acks in_forward answers, for byte-exact tests of any receiver.
public enum Wire {
    public static let chunkID = "AAECAwQFBgcICQoLDA0ODw==\n"
    public static let time = EventTime(seconds: 1_293_974_055, nanoseconds: 0)

    public static func record(_ seq: Int, extra: String = "x") -> MessagePackValue {
        .map([MessagePackPair("seq", .int(Int64(seq))), MessagePackPair("msg", .str(extra))])
    }

    public static func entries(_ seqs: [Int], time: EventTime = Wire.time) -> ByteBuffer {
        var b = ByteBuffer()
        for s in seqs { ForwardEntry.write(time: time, encodedRecord: record(s).encoded, into: &b) }
        return b
    }

    public static func packed(tag: String = "test", seqs: [Int], chunk: String? = Wire.chunkID) -> ByteBuffer {
        ForwardEncoder.packedForward(tag: tag, entries: entries(seqs), size: seqs.count, chunk: chunk)
    }

    public static func option(chunk: String?) -> MessagePackValue? {
        chunk.map { .map([MessagePackPair("chunk", .str($0))]) }
    }

    /// The exact ack in_forward writes for `chunk` (docs/forward-protocol.md, "Ack response").
    public static func ack(_ chunk: String) -> [UInt8] {
        var b = ByteBuffer()
        ForwardAck.write(chunk: chunk, into: &b)
        return Array(b.readableBytesView)
    }

    public static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = s.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
        return out
    }
}

