import NIOCore

/// One decoded event request, in whichever of the four modes it came (docs/forward-protocol.md, "Carrier modes", "Request processing").
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
        /// `[tag, blob, {"compressed": codec}]`: gzip members or zstd frames (the codec is `compression`).
        case compressed(ByteBuffer)
    }

    /// The tag's raw bytes (a str or bin on the wire); for any other value, the text Fluentd prints for it
    /// (`RubyText.toS`: `[1, t, r]` has the tag `1`, `[]` the empty tag).
    public var tag: ByteBuffer
    /// Whether the tag was a str or bin (Fluentd's `skip_invalid_event` drops events whose tag is not a String).
    public var tagIsString: Bool = true
    public var payload: Payload
    public var option: ForwardOption?
    /// The codec of a `.compressed` payload, as the decoding profile read the option (nil otherwise).
    public var compression: ForwardCompression?

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

    /// Whether the server must answer with an ack (a truthy `chunk` option; docs/forward-protocol.md, "Ack response").
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

/// What a complete top-level object on a forward connection turned out to be (docs/forward-protocol.md, "Framing", "Request processing").
public enum ForwardFrame: Sendable {
    /// `nil`: the reserved TCP heartbeat request; ignored, never answered.
    case heartbeatNil
    /// Not an array: Fluentd logs "incoming chunk is broken" and drops it without a response.
    case broken(reason: String)
    /// An event request.
    case request(ForwardRequest)
}

extension ForwardFrame {
    /// The largest encoded non-string tag turned into text (`RubyText`); a bigger one closes the connection.
    public static let maxNonStringTagLength = 64 << 10

    /// Classifies one complete frame (as delimited by `MessagePackFrameScanner`).
    ///
    /// in_forward takes `msg[0]` as the tag and `msg[1]` as the entries without checking either's type
    /// (lib/fluent/plugin/in_forward.rb, `on_message`): an array of fewer than two elements is a Message whose
    /// time and record are nil, which is ignored, and a tag of any type is used as it is (see `RubyText`).
    /// Errors thrown here are MessagePack errors, which a server answers by closing the connection. `profile` decides
    /// which `compressed` values mark CompressedPackedForward (`FluentdReleaseProfile.compression(forOption:)`).
    public static func decode(_ frame: ByteBuffer, limits: MessagePackLimits = .default,
                              profile: FluentdReleaseProfile = .default) throws -> ForwardFrame {
        var r = MessagePackReader(frame, limits: limits)
        guard let kind = r.peekKind() else { throw MessagePackError.truncated(offset: 0) }
        if kind == .nil { return .heartbeatNil }
        guard kind == .array else { return .broken(reason: "top-level \(kind) is not an array") }
        let count = try r.readArrayHeader()
        var tag = ByteBuffer()
        var tagIsString = true
        if count >= 1 {
            if r.peekKind() == .string || r.peekKind() == .binary {
                tag = try r.readRawBytes()
            } else {
                tagIsString = false
                // Resource limit (docs/fidelity-receiver.md): the tag's text is built from a decoded tree, which for a
                // huge container costs far more memory than its bytes, so a non-string tag is capped where Fluentd has
                // no limit. No sender produces such tags.
                let encoded = try r.readEncodedValue()
                guard encoded.readableBytes <= Self.maxNonStringTagLength else {
                    throw MessagePackError.lengthExceeded(length: encoded.readableBytes, limit: Self.maxNonStringTagLength, offset: 1)
                }
                let value = try MessagePackValue.decode(encoded, limits: limits)
                // Fluentd's unpacker knows only EventTime (ext 0); any other ext type raises while unpacking.
                if let type = value.foreignExtensionType { throw MessagePackError.unknownExtension(type: type, offset: 1) }
                tag.writeBytes(RubyText.toS(value))
            }
        } else {
            tagIsString = false
        }
        if count < 2 {
            var request = ForwardRequest(tag: tag, payload: .message(time: .other(.nil), record: ByteBuffer(), recordKind: .nil), option: nil)
            request.tagIsString = tagIsString
            return .request(request)
        }
        let payload: ForwardRequest.Payload
        var option: ForwardOption?
        var compression: ForwardCompression?
        switch r.peekKind() {
        case .string?, .binary?:
            let blob = try r.readRawBytes()
            if count >= 3 { option = try ForwardOption.read(from: &r) }
            compression = profile.compression(forOption: option?.compressed)
            payload = compression != nil ? .compressed(blob) : .packed(blob)
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
        var request = ForwardRequest(tag: tag, payload: payload, option: option)
        request.tagIsString = tagIsString
        request.compression = compression
        return .request(request)
    }
}

extension MessagePackValue {
    /// The first ext type other than EventTime's inside this value, if any.
    var foreignExtensionType: Int8? {
        switch self {
        case let .ext(type, _): return type == EventTime.extensionType ? nil : type
        // Plain loops: `lazy.compactMap(...).first` evaluates the element it finds more than once, which nested
        // made the walk exponential in the depth (a 100-byte tag kept a core busy for minutes).
        case let .array(items):
            for item in items { if let type = item.foreignExtensionType { return type } }
            return nil
        case let .map(pairs):
            for pair in pairs { if let type = pair.key.foreignExtensionType ?? pair.value.foreignExtensionType { return type } }
            return nil
        default: return nil
        }
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
    /// A zstd blob that does not decode (`ZstdFrames`).
    case zstd(String)
    /// A `compressed` value that names no codec (1.19's in_forward raises "Unknown compression type").
    case unknownCompression(String)
    case handshake(String)

    public var description: String {
        switch self {
        case let .badShape(s): return "bad request shape: \(s)"
        case let .decompression(s): return "gzip: \(s)"
        case let .zstd(s): return "zstd: \(s)"
        case let .unknownCompression(s): return "Unknown compression type: \(s)"
        case let .handshake(s): return "handshake: \(s)"
        }
    }
}
