import ForwardProtocol
import NIOCore

/// Splits one direction of a reassembled forward connection into messages and decodes each.
///
/// Framing and decoding come from `ForwardProtocol` (`MessagePackFrameScanner`, `ForwardFrame`,
/// `Helo`, `Pong`, `ForwardAck`); this type only buffers bytes between packets, remembers the
/// completing packet's time and turns the results into `ForwardWireMessage`s. After a capture gap
/// or undecodable bytes the direction is marked desynchronised: MessagePack has no sync marker,
/// so the rest of that stream is counted, not guessed at.
public struct ForwardStreamDecoder: Sendable {
    public let direction: TCPDirection
    /// Count events in PackedForward blobs by framing every entry (exact) rather than trusting the
    /// `size` option; exact counting costs ~270 ns per entry with the shared scanner.
    public var countPackedEntries: Bool
    /// Bytes that could not be decoded (after a gap or an invalid object).
    public private(set) var undecodedBytes: UInt64 = 0
    /// Why decoding stopped, if it did.
    public private(set) var desyncReason: String?

    private var buffer: ByteBuffer
    private var scanner: MessagePackFrameScanner
    private var bufferStreamOffset: UInt64 = 0
    private let limits: MessagePackLimits

    public init(direction: TCPDirection, limits: MessagePackLimits = .default, countPackedEntries: Bool = true) {
        self.direction = direction
        self.limits = limits
        self.countPackedEntries = countPackedEntries
        self.scanner = MessagePackFrameScanner(limits: limits)
        self.buffer = ByteBufferAllocator().buffer(capacity: 0)
    }

    /// Appends in-order bytes that start at `streamOffset` and calls `body` for every message they complete.
    public mutating func append(_ bytes: UnsafeRawBufferPointer, streamOffset: UInt64, time: Int64,
                                _ body: (ForwardWireMessage) -> Void) {
        if desyncReason != nil {
            undecodedBytes += UInt64(bytes.count)
            return
        }
        if buffer.readableBytes == 0 {
            bufferStreamOffset = streamOffset
            if buffer.readerIndex > 0 { buffer.clear() }
        }
        buffer.writeBytes(bytes)
        // Bounded: each pass consumes one frame (≥ 1 byte) or returns.
        while buffer.readableBytes > 0 {
            let result: MessagePackFrameScanner.Result
            do {
                result = try scanner.scan(buffer)
            } catch {
                desync("\(error)")
                return
            }
            guard case let .frame(length) = result else { break }
            let frame = buffer.readSlice(length: length)!
            scanner.reset()
            let offset = bufferStreamOffset
            bufferStreamOffset += UInt64(length)
            body(decode(frame, offset: offset, time: time))
        }
        // Keep the buffer from growing without bound across many small messages.
        if buffer.readerIndex > 1 << 20 && buffer.readerIndex > buffer.readableBytes {
            buffer.discardReadBytes()
        }
    }

    /// Bytes were lost from the capture: the rest of this direction cannot be framed reliably.
    public mutating func gap(missingBytes: UInt64) {
        if desyncReason == nil { desync("\(missingBytes) bytes missing from the capture") }
        undecodedBytes += missingBytes
    }

    /// Bytes buffered in an incomplete message (reported at the end of a capture).
    public var pendingBytes: Int { buffer.readableBytes }

    private mutating func desync(_ reason: String) {
        desyncReason = reason
        undecodedBytes += UInt64(buffer.readableBytes)
        buffer.clear()
        scanner.reset()
    }

    /// Classifies one complete object.
    func decode(_ frame: ByteBuffer, offset: UInt64, time: Int64) -> ForwardWireMessage {
        var m = ForwardWireMessage(kind: .broken, direction: direction, time: time, streamOffset: offset, length: frame.readableBytes)
        if let name = Self.arrayHead(frame) {
            switch name {
            case "PING" where direction == .clientToServer:
                m.kind = .ping
                if let v = try? MessagePackValue.decode(frame, limits: limits), let ping = try? Ping(v) {
                    m.note = ping.clientHostname
                }
                return m
            case "HELO" where direction == .serverToClient:
                m.kind = .helo
                if let v = try? MessagePackValue.decode(frame, limits: limits), let helo = try? Helo(v) { m.flag = helo.keepalive }
                return m
            case "PONG" where direction == .serverToClient:
                m.kind = .pong
                if let v = try? MessagePackValue.decode(frame, limits: limits), let pong = try? Pong(v) {
                    m.flag = pong.authResult
                    if !pong.authResult { m.note = pong.reason }
                }
                return m
            default:
                break
            }
        }
        if direction == .serverToClient {
            guard let v = try? MessagePackValue.decode(frame, limits: limits) else {
                m.note = "undecodable response"
                return m
            }
            if let acked = ForwardAck.ackedChunk(in: v) {
                m.kind = .ack
                m.chunk = String(decoding: acked, as: UTF8.self)
            } else {
                m.note = "unexpected response"
            }
            return m
        }
        do {
            switch try ForwardFrame.decode(frame, limits: limits) {
            case .heartbeatNil:
                m.kind = .heartbeatNil
            case let .broken(reason):
                m.note = reason
            case let .request(request):
                m.tag = request.tagString
                m.sizeOption = request.option?.size
                m.compressed = request.option?.compressed
                if let option = request.option, option.wantsAck { m.chunk = option.chunkString }
                switch request.payload {
                case .message:
                    m.kind = .message
                    m.entries = 1
                case let .forward(_, count):
                    m.kind = .forward
                    m.entries = count
                case .packed:
                    m.kind = .packedForward
                    if countPackedEntries {
                        m.entries = Self.countEntries(request, limits: limits)
                        if m.entries == nil { m.note = "entries blob is not a sequence of MessagePack values" }
                    } else {
                        // Trust the sender's `size` (out_forward always sends it); walk only without one.
                        m.entries = request.option?.size.map { Int($0) } ?? Self.countEntries(request, limits: limits)
                    }
                case .compressed:
                    m.kind = .compressedPackedForward
                    m.entries = request.option?.size.map { Int($0) }
                }
            }
        } catch {
            m.note = "\(error)"
        }
        return m
    }

    /// Counts the concatenated entries of a PackedForward blob by framing them with the shared
    /// scanner: it only reads headers, several times faster than decoding each entry.
    private static func countEntries(_ request: ForwardRequest, limits: MessagePackLimits) -> Int? {
        guard case var .packed(blob) = request.payload else { return nil }
        var scanner = MessagePackFrameScanner(limits: limits)
        var n = 0
        // Bounded: each frame consumes at least one byte.
        while blob.readableBytes > 0 {
            guard case let .frame(length)? = try? scanner.scan(blob) else { return nil }
            blob.moveReaderIndex(forwardBy: length)
            scanner.reset()
            n += 1
        }
        return n
    }

    /// The first element of an array of at least 2 elements when it is a short str ("PING", "HELO"...).
    private static func arrayHead(_ frame: ByteBuffer) -> String? {
        var r = MessagePackReader(frame)
        guard r.peekKind() == .array, let count = try? r.readArrayHeader(), count >= 2,
              let first = r.peekFormat(), first & 0xe0 == 0xa0, first & 0x1f == 4,
              let s = try? r.readString() else { return nil }
        return s
    }
}
