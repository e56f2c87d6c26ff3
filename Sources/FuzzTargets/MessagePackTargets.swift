import ForwardProtocol
import NIOCore

/// The MessagePack layer (Sources/ForwardProtocol/MessagePack): the frame scanner every forward connection runs on
/// its growing read buffer, and the reader / value decoder behind handshakes, options and test vectors.
enum MessagePackTargets {
    /// Limits as tight as a fuzz input can reach, beside the defaults the server uses.
    static let tight = MessagePackLimits(maxDepth: 6, maxFrameLength: 512, maxContainerCount: 64)

    static let scanner = FuzzTarget(
        name: "msgpack-scanner",
        summary: "MessagePackFrameScanner on the stream as one read and in reads of 1..16 bytes (frames must agree); "
            + "each frame through MessagePackReader.skipValue and MessagePackValue.decode",
        run: { data in
            let split = data.first.map { Int($0 % 16) + 1 } ?? 1
            for limits in [MessagePackLimits.default, tight, MessagePackLimits(eventTimeExtensionOnly: true)] {
                // The frames of the piecewise scan are checked against the reader only through their lengths: equal
                // lengths over the same bytes are the same frames, which the one-read scan has checked already.
                let whole = frames(data, limits: limits, readSize: Int.max, checkFrames: true)
                let pieces = frames(data, limits: limits, readSize: split, checkFrames: false)
                fuzzCheck(whole.lengths == pieces.lengths, "frames \(whole.lengths) in one read, \(pieces.lengths) in \(split)-byte reads")
                fuzzCheck(whole.error == pieces.error,
                          "error \(String(describing: whole.error)) in one read, \(String(describing: pieces.error)) in \(split)-byte reads")
            }
        },
        seeds: { Seeds.messagePack() })

    /// Scans `data` as a connection would receive it, `readSize` bytes per read; with `checkFrames`, checks every frame
    /// against the reader.
    static func frames(_ data: [UInt8], limits: MessagePackLimits, readSize: Int,
                       checkFrames: Bool) -> (lengths: [Int], error: MessagePackError?) {
        var scanner = MessagePackFrameScanner(limits: limits)
        var buffer = ByteBuffer()
        var position = 0
        var lengths: [Int] = []
        while true {
            if position < data.count {
                let n = min(readSize, data.count - position)
                buffer.writeBytes(data[position ..< position + n])
                position += n
            }
            // Frames complete in what has arrived so far.
            while buffer.readableBytes > 0 {
                let result: MessagePackFrameScanner.Result
                do {
                    result = try scanner.scan(buffer)
                } catch {
                    return (lengths, error)
                }
                guard case let .frame(length) = result else { break }
                fuzzCheck(length > 0 && length <= buffer.readableBytes, "frame length \(length) with \(buffer.readableBytes) bytes read")
                let frame = buffer.readSlice(length: length)!
                if checkFrames { checkFrame(frame, limits: limits) }
                lengths.append(length)
                scanner.reset()
                if lengths.count % 4 == 0 { buffer.discardReadBytes() }
            }
            if position >= data.count { return (lengths, nil) }
        }
    }

    /// What the scanner delimits, the reader must read as exactly one value.
    static func checkFrame(_ frame: ByteBuffer, limits: MessagePackLimits) {
        var reader = MessagePackReader(frame, limits: limits)
        do {
            try reader.skipValue()
        } catch {
            fuzzCheck(false, "the scanner's frame of \(frame.readableBytes) bytes fails skipValue: \(error)")
        }
        fuzzCheck(reader.isAtEnd, "skipValue left \(reader.buffer.readableBytes) of the frame's \(frame.readableBytes) bytes")
        do {
            let value = try MessagePackValue.decode(frame, limits: limits)
            _ = RubyText.toS(value)
        } catch {
            fuzzCheck(false, "the scanner's frame of \(frame.readableBytes) bytes fails MessagePackValue.decode: \(error)")
        }
    }

    static let reader = FuzzTarget(
        name: "msgpack-reader",
        summary: "MessagePackValue.decode (re-encoding must round-trip), every typed MessagePackReader read, "
            + "readEntryTime, RecordFields and RubyText",
        run: { data in
            let buffer = ByteBuffer(bytes: data)
            for limits in [MessagePackLimits.default, tight] {
                if let value = try? MessagePackValue.decode(buffer, limits: limits) {
                    let encoded = value.encoded
                    guard let again = try? MessagePackValue.decode(encoded, limits: limits) else {
                        fuzzCheck(false, "a decoded value's encoding does not decode")
                        return
                    }
                    fuzzCheck(again.encoded == encoded, "decode(encode(v)) re-encodes differently")
                    _ = RubyText.toS(value)
                    _ = value.stringValue
                    _ = value["chunk"]
                    _ = ForwardAck.ackedChunk(in: value)
                }
                walk(buffer, limits: limits)
            }
            _ = RecordFields.value(forKey: Array("seq".utf8), in: buffer)
            _ = RecordFields.integer(forKey: Array("seq".utf8), in: buffer)
            var entryTimeReader = MessagePackReader(buffer)
            _ = try? entryTimeReader.readEntryTime()
        },
        seeds: { Seeds.messagePack() })

    /// Reads the bytes as a flat token stream with the typed reads, as the option and handshake decoders do.
    static func walk(_ buffer: ByteBuffer, limits: MessagePackLimits) {
        var r = MessagePackReader(buffer, limits: limits)
        var steps = 0
        while !r.isAtEnd, steps < 4096 {
            steps += 1
            let before = r.offset
            do {
                switch r.peekKind() {
                case .nil?: _ = r.readNil()
                case .bool?: _ = try r.readBool()
                case .int?:
                    if r.peekFormat() == 0xcf { _ = try r.readUInt() } else { _ = try r.readInt() }
                case .float?: _ = try r.readDouble()
                case .string?:
                    if steps % 2 == 0 { _ = try r.readString() } else { _ = try r.readStringBytes() }
                case .binary?: _ = try r.readBinaryBytes()
                case .array?: _ = try r.readArrayHeader()
                case .map?: _ = try r.readMapHeader()
                case .ext?:
                    if steps % 3 == 0 { _ = try r.readEntryTime() } else { _ = try r.readExtension() }
                case .invalid?, nil:
                    _ = try r.readEncodedValue()
                }
            } catch {
                return
            }
            fuzzCheck(r.offset > before, "a successful read consumed nothing at offset \(before)")
        }
    }
}
