import ForwardProtocol
import NIOCore

/// Forward requests (Sources/ForwardProtocol/Forward): frames as a server delimits them, classified by
/// `ForwardFrame.decode` into Message / Forward / PackedForward / CompressedPackedForward, every entry read.
enum ForwardTargets {
    /// The server's scanner limits (ForwardServerCore: the receiver's limits with EventTime as the only ext type).
    static let serverLimits = MessagePackLimits(eventTimeExtensionOnly: true)
    /// Inflated-size cap for fuzzing (the receiver's default is 256 MB; a bomb must fail at the cap, not allocate).
    static let maxDecompressedSize = 1 << 20

    /// Each frame the server's scanner delimits in `data`, in order, until the first byte run that is not a frame.
    static func forEachServerFrame(_ data: [UInt8], _ body: (ByteBuffer) -> Void) {
        var scanner = MessagePackFrameScanner(limits: serverLimits)
        var buffer = ByteBuffer(bytes: data)
        while buffer.readableBytes > 0 {
            guard case let .frame(length)? = try? scanner.scan(buffer) else { break }
            let frame = buffer.readSlice(length: length)!
            scanner.reset()
            body(frame)
        }
    }

    static let request = FuzzTarget(
        name: "forward-request",
        summary: "the byte stream of a forward connection: frames, ForwardFrame.decode in all four modes, options, "
            + "every entry via ForwardEntryIterator, gzip members inflated",
        run: { data in
            for limits in [serverLimits, MessagePackLimits.default] {
                var scanner = MessagePackFrameScanner(limits: limits)
                var buffer = ByteBuffer(bytes: data)
                while buffer.readableBytes > 0 {
                    guard case let .frame(length)? = try? scanner.scan(buffer) else { break }
                    let frame = buffer.readSlice(length: length)!
                    scanner.reset()
                    decodeFrame(frame, limits: limits)
                }
            }
        },
        seeds: { Seeds.forwardRequests() })

    /// What a receiver does with one frame, short of handing events on.
    static func decodeFrame(_ frame: ByteBuffer, limits: MessagePackLimits) {
        // Both readings of `compressed`: 1.16's (gzip only) and 1.19's (every value but text names a codec).
        for profile in [FluentdReleaseProfile.v1_16, .v1_19] { decodeFrame(frame, limits: limits, profile: profile) }
    }

    static func decodeFrame(_ frame: ByteBuffer, limits: MessagePackLimits, profile: FluentdReleaseProfile) {
        guard case let .request(request)? = try? ForwardFrame.decode(frame, limits: limits, profile: profile) else { return }
        _ = request.tagString
        _ = request.wantsAck
        _ = request.mode
        _ = request.option?.chunkString
        switch request.payload {
        case let .compressed(blob):
            guard let inflated = try? (request.compression ?? .gzip).decompress(blob, maxSize: maxDecompressedSize) else { return }
            fuzzCheck(inflated.readableBytes <= maxDecompressedSize, "inflated \(inflated.readableBytes) bytes past the cap")
            readEntries(ForwardEntryIterator(packed: inflated, limits: limits))
        default:
            readEntries(request.entries(limits: limits))
        }
    }

    static func readEntries(_ iterator: ForwardEntryIterator) {
        var it = iterator
        var n = 0
        while n < 100_000, let entry = try? it.next() {
            n += 1
            _ = entry.isValid
            _ = entry.time.isZero
            _ = entry.time.unixSeconds
            if entry.recordKind == .map { _ = RecordFields.integer(forKey: Array("seq".utf8), in: entry.record) }
        }
    }

    /// `[fuzz.CODEC, bin(blob), {size: 1, compressed: CODEC, chunk: "c"}]`.
    static func compressedFrame(blob: [UInt8], codec: String) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.writeMessagePackArrayHeader(count: 3)
        frame.writeMessagePackString("fuzz.\(codec)")
        frame.writeMessagePackBinary(blob)
        ForwardOption.write(size: 1, compressed: codec, chunk: "c", into: &frame)
        return frame
    }

    static let gzip = FuzzTarget(
        name: "forward-gzip",
        summary: "the input as the blob of a CompressedPackedForward request: GzipMembers.decompress "
            + "(multi-member, truncation, bomb cap), then the inflated entries",
        run: { data in
            let frame = compressedFrame(blob: data, codec: "gzip")
            guard case let .request(request)? = try? ForwardFrame.decode(frame, limits: serverLimits),
                  case let .compressed(blob) = request.payload else {
                fuzzCheck(false, "a [tag, bin, {compressed: gzip}] frame is not a CompressedPackedForward request")
                return
            }
            fuzzCheck(request.wantsAck, "the chunk option was lost")
            guard let inflated = try? GzipMembers.decompress(blob, maxSize: maxDecompressedSize) else { return }
            fuzzCheck(inflated.readableBytes <= maxDecompressedSize, "inflated \(inflated.readableBytes) bytes past the cap")
            readEntries(ForwardEntryIterator(packed: inflated, limits: serverLimits))
        },
        seeds: { Seeds.gzipBlobs() })

    static let zstd = FuzzTarget(
        name: "forward-zstd",
        summary: "the input as the blob of a zstd CompressedPackedForward request (1.19 profile): ZstdFrames.decompress "
            + "(concatenated frames, truncation, corruption, bomb cap), then the decoded entries",
        run: { data in
            let frame = compressedFrame(blob: data, codec: "zstd")
            guard case let .request(request)? = try? ForwardFrame.decode(frame, limits: serverLimits, profile: .v1_19),
                  case let .compressed(blob) = request.payload, request.compression == .zstd else {
                fuzzCheck(false, "a [tag, bin, {compressed: zstd}] frame is not a zstd CompressedPackedForward request under 1.19")
                return
            }
            fuzzCheck(request.wantsAck, "the chunk option was lost")
            guard let decoded = try? ZstdFrames.decompress(blob, maxSize: maxDecompressedSize) else { return }
            fuzzCheck(decoded.readableBytes <= maxDecompressedSize, "decoded \(decoded.readableBytes) bytes past the cap")
            // What decodes must decode again, identically, after a round trip through the encoder.
            if let again = try? ZstdFrames.decompress(try ZstdFrames.compress(decoded), maxSize: maxDecompressedSize) {
                fuzzCheck(again == decoded, "compress/decompress changed \(decoded.readableBytes) bytes")
            } else {
                fuzzCheck(false, "a re-compressed blob of \(decoded.readableBytes) bytes does not decode")
            }
            readEntries(ForwardEntryIterator(packed: decoded, limits: serverLimits))
        },
        seeds: { Seeds.zstdBlobs() })
}
