import CompressNIO
import NIOCore

/// Gzip for CompressedPackedForward: the blob may hold several independent members, decoded one
/// after another and concatenated (docs/forward-protocol.md, "Carrier modes"; Fluentd's compressable.rb).
public enum GzipMembers {
    /// Inflates every member of `blob`. Output is bounded by `maxSize` so a decompression bomb
    /// fails with an error instead of exhausting memory; a truncated or corrupt member throws.
    public static func decompress(_ blob: ByteBuffer, maxSize: Int = 256 << 20) throws -> ByteBuffer {
        var input = blob
        var output = ByteBufferAllocator().buffer(capacity: min(maxSize, max(1024, blob.readableBytes * 4)))
        var members = 0
        while input.readableBytes > 0 {
            let decompressor = try ZlibDecompressor(algorithm: .gzip)
            members += 1
            let memberOutputStart = output.writerIndex
            var attempts = 0
            while true {
                attempts += 1
                if attempts > 100_000 { throw ForwardProtocolError.decompression("no progress in member \(members)") }
                if output.writableBytes == 0 {
                    guard output.capacity < maxSize else {
                        throw ForwardProtocolError.decompression("output exceeds limit of \(maxSize) bytes")
                    }
                    output.reserveCapacity(min(maxSize, output.capacity * 2))
                }
                do {
                    try decompressor.inflate(from: &input, to: &output)
                    break
                } catch let error as CompressNIOError where error == .bufferOverflow {
                    continue
                } catch let error as CompressNIOError where error == .inputBufferOverflow {
                    throw ForwardProtocolError.decompression("member \(members) is truncated")
                } catch {
                    throw ForwardProtocolError.decompression("member \(members) is corrupt (\(error))")
                }
            }
            // compress-nio does not tell Z_STREAM_END from Z_OK-with-input-exhausted. zlib only stops
            // early at a member's end, so leftover input proves the end; when the input is exhausted,
            // the member is complete only if its trailer's ISIZE matches what was inflated.
            if input.readableBytes == 0 {
                let produced = UInt32(truncatingIfNeeded: output.writerIndex - memberOutputStart)
                let end = input.readerIndex
                guard end - blob.readerIndex >= 18,
                      let isize = blob.getInteger(at: end - 4, endianness: .little, as: UInt32.self),
                      isize == produced else {
                    throw ForwardProtocolError.decompression("member \(members) is truncated")
                }
            }
        }
        return output
    }

    /// Deflates `bytes` as one gzip member (out_forward appends one member per buffer write).
    public static func compress(_ bytes: ByteBuffer) throws -> ByteBuffer {
        var input = bytes
        return try input.compress(with: .gzip())
    }
}
