import CZstd
import NIOCore

/// Zstandard for CompressedPackedForward (Fluentd 1.19's `compress zstd`): the blob holds one zstd frame per buffer
/// write, concatenated, decoded one after another into one stream of entries (docs/forward-protocol.md, "Carrier modes").
public enum ZstdFrames {
    /// Decodes every frame of `blob`. Output is bounded by `maxSize` (the same decompression-bomb limit as gzip's); a
    /// corrupt frame, a truncated last frame or output beyond the limit throws. An empty blob holds no events.
    public static func decompress(_ blob: ByteBuffer, maxSize: Int = 256 << 20) throws -> ByteBuffer {
        guard blob.readableBytes > 0 else { return ByteBuffer() }
        guard let dctx = ZSTD_createDCtx() else { throw ForwardProtocolError.zstd("cannot allocate a decompression context") }
        defer { ZSTD_freeDCtx(dctx) }
        // One byte over the limit proves the output exceeds it without a second pass.
        let cap = maxSize + 1
        var output = ByteBufferAllocator().buffer(capacity: min(cap, max(1024, blob.readableBytes * 4)))
        var frames = 1
        // Every call either fills the output (which then grows, at most log2(cap) times) or consumes input, and
        // a frame's end stops a call, so this bound is never reached by valid input.
        let maxCalls = 1024 + blob.readableBytes + (cap >> 10)
        try blob.withUnsafeReadableBytes { (src: UnsafeRawBufferPointer) throws in
            var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            var calls = 0
            while true {
                calls += 1
                if calls > maxCalls { throw ForwardProtocolError.zstd("no progress in frame \(frames)") }
                if output.writableBytes == 0 {
                    guard output.capacity < cap else {
                        throw ForwardProtocolError.zstd("output exceeds limit of \(maxSize) bytes")
                    }
                    output.reserveCapacity(min(cap, output.capacity * 2))
                }
                var hint = 0
                var filled = false
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { dst in
                    var out = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                    hint = ZSTD_decompressStream(dctx, &out, &input)
                    filled = out.pos == out.size
                    return ZSTD_isError(hint) != 0 ? 0 : out.pos
                }
                if ZSTD_isError(hint) != 0 {
                    throw ForwardProtocolError.zstd("frame \(frames) is corrupt (\(String(cString: ZSTD_getErrorName(hint))))")
                }
                if output.readableBytes > maxSize {
                    throw ForwardProtocolError.zstd("output exceeds limit of \(maxSize) bytes")
                }
                if hint == 0 {
                    // A frame ended and is fully flushed; more input starts the next frame.
                    if input.pos == input.size { return }
                    frames += 1
                } else if input.pos == input.size && !filled {
                    // All input consumed, the decoder wants more, and it had room to write: the frame is cut short.
                    throw ForwardProtocolError.zstd("frame \(frames) is truncated")
                }
            }
        }
        return output
    }

    /// Compresses `bytes` as one zstd frame (out_forward appends one frame per buffer write).
    public static func compress(_ bytes: ByteBuffer, level: Int32 = 3) throws -> ByteBuffer {
        let bound = ZSTD_compressBound(bytes.readableBytes)
        var output = ByteBufferAllocator().buffer(capacity: bound)
        var result = 0
        _ = bytes.withUnsafeReadableBytes { src in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { dst in
                result = ZSTD_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, level)
                return ZSTD_isError(result) != 0 ? 0 : result
            }
        }
        if ZSTD_isError(result) != 0 {
            throw ForwardProtocolError.zstd("compression failed (\(String(cString: ZSTD_getErrorName(result))))")
        }
        return output
    }
}
