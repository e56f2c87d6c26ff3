import NIOCore

/// One decoded event request, in whichever of the four modes it came (spec §1.2, §1.5).
///
/// Entries stay encoded: the request holds slices of the frame, and `entries()` walks them lazily,
/// so a 10 000-event PackedForward request costs no allocation until someone reads its records.
public struct ForwardRequest: Sendable {
    /// How the events are carried.
    public enum Payload: Sendable {
        /// `[tag, time, record(, option)]`.
        case message(time: EntryTime, record: ByteBuffer, recordKind: MessagePackKind)
        /// `[tag, [entry...](, option)]`: the encoded entries after the array header.
        case forward(entries: ByteBuffer, count: Int)
        /// `[tag, blob(, option)]`: concatenated entries.
        case packed(ByteBuffer)
        /// `[tag, gzip blob, {"compressed": "gzip"}]`: one or more gzip members.
        case compressed(ByteBuffer)
    }

    /// The tag's raw bytes (a str or bin on the wire).
    public var tag: ByteBuffer
    public var payload: Payload
    public var option: ForwardOption?

    public var mode: ForwardMode {
        switch payload {
        case .message: return .message
        case .forward: return .forward
        case .packed: return .packedForward
        case .compressed: return .compressedPackedForward
        }
    }

    /// The tag as text (lossy for invalid UTF-8, which Fluentd would also pass through).
    public var tagString: String { String(decoding: tag.readableBytesView, as: UTF8.self) }

    /// Whether the server must answer with an ack (a truthy `chunk` option, §1.8).
    public var wantsAck: Bool { option?.wantsAck ?? false }

    /// An iterator over the entries; for compressed requests pass the decompressed bytes via `entries(decompressed:)`.
    public func entries(limits: MessagePackLimits = .default) -> ForwardEntryIterator {
        switch payload {
        case let .message(time, record, kind):
            // A one-entry view: re-encode nothing, iterate a synthetic single entry instead.
            var b = ByteBuffer()
            b.writeInteger(UInt8(0x92))
            switch time {
            case let .integer(v): b.writeMessagePackInt(v)
            case let .eventTime(t): t.encode(into: &b)
            case .other: b.writeMessagePackNil()
            }
            if kind == .nil && record.readableBytes == 0 { b.writeMessagePackNil() } else {
                var r = record
                b.writeBuffer(&r)
            }
            return ForwardEntryIterator(forwardEntries: b, count: 1, limits: limits)
        case let .forward(entries, count):
            return ForwardEntryIterator(forwardEntries: entries, count: count, limits: limits)
        case let .packed(blob), let .compressed(blob):
            return ForwardEntryIterator(packed: blob, limits: limits)
        }
    }
}

/// What a complete top-level object on a forward connection turned out to be (spec §1.1, §1.5).
public enum ForwardFrame: Sendable {
    /// `nil`: the reserved TCP heartbeat request; ignored, never answered.
    case heartbeatNil
    /// Not an array: Fluentd logs "incoming chunk is broken" and drops it without a response.
    case broken(reason: String)
    /// An event request.
    case request(ForwardRequest)
}

extension ForwardFrame {
    /// Classifies one complete frame (as delimited by `MessagePackFrameScanner`).
    ///
    /// Shape errors that Fluentd would only hit while emitting (a non-string tag, an array of
    /// fewer than 2 elements) throw `ForwardProtocolError`, which a server answers by closing the
    /// connection without an ack (§1.5 step 7).
    public static func decode(_ frame: ByteBuffer, limits: MessagePackLimits = .default) throws -> ForwardFrame {
        var r = MessagePackReader(frame, limits: limits)
        guard let kind = r.peekKind() else { throw MessagePackError.truncated(offset: 0) }
        if kind == .nil { return .heartbeatNil }
        guard kind == .array else { return .broken(reason: "top-level \(kind) is not an array") }
        let count = try r.readArrayHeader()
        guard count >= 2 else { throw ForwardProtocolError.badShape("event message is an array of \(count) element(s)") }
        guard r.peekKind() == .string || r.peekKind() == .binary else {
            throw ForwardProtocolError.badShape("tag is a \(r.peekKind().map { "\($0)" } ?? "missing value"), not a string")
        }
        let tag = try r.readRawBytes()
        let payload: ForwardRequest.Payload
        var option: ForwardOption?
        switch r.peekKind() {
        case .string?, .binary?:
            let blob = try r.readRawBytes()
            if count >= 3 { option = try ForwardOption.read(from: &r) }
            payload = option?.compressed == "gzip" ? .compressed(blob) : .packed(blob)
        case .array?:
            let n = try r.readArrayHeader()
            let start = r.buffer.readerIndex
            var scan = r
            for _ in 0 ..< n { try scan.skipValue() }
            let entries = r.buffer.getSlice(at: start, length: scan.buffer.readerIndex - start)!
            r = scan
            if count >= 3 { option = try ForwardOption.read(from: &r) }
            payload = .forward(entries: entries, count: n)
        default:
            let time = try r.readEntryTime()
            var record = ByteBuffer()
            var recordKind = MessagePackKind.nil
            if count >= 3 {
                recordKind = r.peekKind() ?? .invalid
                record = try r.readEncodedValue()
            }
            if count >= 4 { option = try ForwardOption.read(from: &r) }
            payload = .message(time: time, record: record, recordKind: recordKind)
        }
        let consumedOption = (payload.isMessage ? 4 : 3)
        for _ in consumedOption ..< max(consumedOption, count) { try r.skipValue() }
        return .request(ForwardRequest(tag: tag, payload: payload, option: option))
    }
}

extension ForwardRequest.Payload {
    var isMessage: Bool {
        if case .message = self { return true }
        return false
    }
}

/// A request whose MessagePack is well formed but whose shape Fluentd cannot process.
public enum ForwardProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    case badShape(String)
    case decompression(String)
    case handshake(String)

    public var description: String {
        switch self {
        case let .badShape(s): return "bad request shape: \(s)"
        case let .decompression(s): return "gzip: \(s)"
        case let .handshake(s): return "handshake: \(s)"
        }
    }
}
