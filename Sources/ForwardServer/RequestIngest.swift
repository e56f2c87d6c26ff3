import ForwardProtocol
import Logging
import NIOCore

/// Applies in_forward's processing rules (v1.16.9; docs/forward-protocol.md, "Request processing" to "Chunk size limits") to one decoded request and fills an
/// ingest batch. Nothing is handed on here: the caller passes the batch to the sink only when the whole
/// request validated, so a request that fails half-way leaves no trace.
struct RequestIngest {
    enum Outcome {
        /// Events are in the batch; ack per the request's option. `invalidDropped` events were skipped.
        case accepted(invalidDropped: Int)
        /// Nothing accepted and no ack; the connection stays open.
        case dropped(IngestRejection.Reason, String)
        /// Nothing accepted, no ack, and the connection must close (Fluentd's error path).
        case close(IngestRejection.Reason, String)
    }

    let skipInvalidEvent: Bool
    let keepRecords: Bool
    let sourceAddressKey: String?
    let maxDecompressedSize: Int
    let sequenceKey: [UInt8]
    let tagOverride: ByteBuffer?
    let tagPrefix: String?
    let logger: Logger
    /// Fill `IngestBatch.entries` (the agent's forward input buffers them).
    let collectEntries: Bool

    init(settings: ReceiverSettings, collectEntries: Bool = false) {
        self.collectEntries = collectEntries
        skipInvalidEvent = settings.skipInvalidEvent
        keepRecords = settings.ledger.keepRecords
        sourceAddressKey = settings.sourceAddressKey
        maxDecompressedSize = settings.maxDecompressedSize
        sequenceKey = Array(settings.ledger.sequenceField.utf8)
        tagOverride = settings.tag.map { ByteBuffer(string: $0) }
        tagPrefix = settings.addTagPrefix
        logger = settings.logger
    }

    /// The tag after `tag` / `add_tag_prefix` (docs/forward-protocol.md, "Request processing", step 2).
    func rewrittenTag(_ incoming: ByteBuffer) -> ByteBuffer {
        var tag = tagOverride ?? incoming
        if let prefix = tagPrefix {
            var t = ByteBuffer(string: prefix + ".")
            t.writeBuffer(&tag)
            tag = t
        }
        return tag
    }

    func ingest(_ request: ForwardRequest, tag: ByteBuffer, peer: String, peerIP: String, into batch: inout IngestBatch) -> Outcome {
        var nowTime: StoredTime?
        func now() -> StoredTime {
            if let nowTime { return nowTime }
            let wall = MonotonicClock.wallNanos()
            let t = StoredTime.eventTime(UInt32(clamping: wall / 1_000_000_000), UInt32(wall % 1_000_000_000))
            nowTime = t
            return t
        }
        // `invalid_event?` looks at the tag after `tag`/`add_tag_prefix`, which make it a String.
        let tagIsString = request.tagIsString || tagOverride != nil || tagPrefix != nil
        switch request.payload {
        case let .message(time, record, kind):
            let valid = tagIsString && time.isValid && kind == .map
            if skipInvalidEvent && !valid {
                logger.warning("got invalid event and drop it", metadata: [
                    "host": .string(peerIP), "tag": .string(String(buffer: tag)), "time": .string("\(time)")])
                // Fluentd returns msg[3] here, so the ack is still sent (docs/forward-protocol.md, "Request processing", step 5).
                return .accepted(invalidDropped: 1)
            }
            if kind == .nil { return .dropped(.nilRecord, "Message-mode record is nil") }
            let scanned: Result<Int64?, EntryScanError> = record.withUnsafeReadableBytes { raw in
                sequenceKey.withUnsafeBytes { key in
                    do throws(EntryScanError) {
                        return .success(try EntryScanner.scanRecord(raw, sequenceKey: key))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            let seq: Int64?
            switch scanned {
            case let .success(s): seq = s
            case let .failure(error): return .close(.malformed, error.description)
            }
            let stored: StoredTime
            if time.isZero {
                stored = now()
            } else {
                switch time {
                case let .integer(v): stored = .integer(v)
                case let .eventTime(t): stored = .eventTime(t.seconds, t.nanoseconds)
                case .other: stored = now()
                }
            }
            batch.slots.append(IngestSlot(seq: seq, time: stored))
            if keepRecords {
                batch.records.append(storedRecord(record.readableBytesView, kind: kind, peerIP: peerIP))
                batch.metadata.append([])
            }
            if collectEntries {
                batch.entries.writeInteger(UInt8(0x92))
                Self.write(stored, into: &batch.entries)
                record.withUnsafeReadableBytes { writeRecord($0, kind: kind, peerIP: peerIP, into: &batch.entries) }
            }
            return .accepted(invalidDropped: 0)

        case let .forward(entries, count):
            return scan(entries, count: count, normaliseForward: !skipInvalidEvent, tag: tag, tagIsString: tagIsString, peerIP: peerIP, into: &batch, now: now)

        case let .packed(blob):
            return scan(blob, count: nil, normaliseForward: false, tag: tag, tagIsString: tagIsString, peerIP: peerIP, into: &batch, now: now)

        case let .compressed(blob):
            let inflated: ByteBuffer
            do {
                inflated = try (request.compression ?? .gzip).decompress(blob, maxSize: maxDecompressedSize)
            } catch {
                return .close(.decompression, "\(error)")
            }
            return scan(inflated, count: nil, normaliseForward: false, tag: tag, tagIsString: tagIsString, peerIP: peerIP, into: &batch, now: now)
        }
    }

    /// Walks entries. `normaliseForward`: Forward mode without skip_invalid_event — nil records are
    /// skipped and zero times become now (docs/forward-protocol.md, "Request processing", step 4); PackedForward never normalises (quirk 24 in docs/quirks.md).
    ///
    /// When collecting entries, a PackedForward blob (or inflated gzip) passes through as it is unless events
    /// can change (skip_invalid_event, source_address_key); a Forward array is always re-encoded, since its
    /// entries can carry nil records, zero times or extra elements that Fluentd drops before buffering.
    private func scan(_ bytes: ByteBuffer, count: Int?, normaliseForward: Bool, tag: ByteBuffer, tagIsString: Bool,
                      peerIP: String, into batch: inout IngestBatch, now: () -> StoredTime) -> Outcome {
        let skip = skipInvalidEvent
        let keep = keepRecords
        let rewrite = collectEntries && (count != nil || skip || sourceAddressKey != nil)
        if collectEntries && !rewrite { batch.entries = bytes }
        var invalid = 0
        var failure: EntryScanError?
        var completeLength: Int?
        bytes.withUnsafeReadableBytes { raw in
            sequenceKey.withUnsafeBytes { key in
                var scanner = EntryScanner(bytes: raw, count: count, sequenceKey: key, indexing: normaliseForward)
                // Bounded: each entry consumes at least one byte, or one of `count` for a Forward array.
                while true {
                    let entryStart = scanner.position
                    let next: ScannedEntry?
                    do throws(EntryScanError) {
                        next = try scanner.next()
                    } catch {
                        if case .truncated = error, count == nil {
                            // A PackedForward blob is decoded lazily by Fluentd's MessagePackEventStream (lib/fluent/
                            // event.rb, `ensure_unpacked!`): an incomplete trailing entry just ends the stream, the
                            // complete entries before it are events and the request is acked (docs/fidelity-receiver.md).
                            completeLength = entryStart
                        } else {
                            failure = error
                        }
                        break
                    }
                    guard let e = next else { break }
                    if skip {
                        if !(tagIsString && e.timeIsValid && e.recordKind == .map) {
                            invalid += 1
                            logger.warning("skip invalid event", metadata: [
                                "host": .string(peerIP), "tag": .string(String(buffer: tag)),
                                "time": .string("\(e.time)")])
                            continue
                        }
                    } else if normaliseForward && e.recordKind == .nil {
                        continue
                    }
                    let replaceTime = normaliseForward && e.timeIsZero
                    let time = replaceTime ? now() : e.time
                    batch.slots.append(IngestSlot(seq: e.seq, time: time))
                    func take(_ record: UnsafeRawBufferPointer) {
                        if keep {
                            batch.records.append(storedRecord(record, kind: e.recordKind, peerIP: peerIP))
                            batch.metadata.append(e.metadataEnd > e.metadataStart ? Array(raw[e.metadataStart ..< e.metadataEnd]) : [])
                        }
                        if rewrite {
                            batch.entries.writeInteger(UInt8(0x92))
                            if replaceTime || e.syntheticRecord != nil {
                                Self.write(time, into: &batch.entries)
                            } else {
                                batch.entries.writeBytes(UnsafeRawBufferPointer(rebasing: raw[e.timeStart ..< e.timeEnd]))
                            }
                            if record.count > 0 {
                                writeRecord(record, kind: e.recordKind, peerIP: peerIP, into: &batch.entries)
                            } else {
                                batch.entries.writeMessagePackNil()
                            }
                        }
                    }
                    if let synthetic = e.syntheticRecord {
                        synthetic.withUnsafeBytes { take($0) }
                    } else {
                        take(UnsafeRawBufferPointer(rebasing: raw[e.recordStart ..< e.recordEnd]))
                    }
                }
            }
        }
        if let completeLength, collectEntries && !rewrite {
            // Hand on only the complete entries, not the incomplete tail Fluentd never decoded.
            batch.entries = bytes.getSlice(at: bytes.readerIndex, length: completeLength)!
        }
        if let failure { return .close(.malformed, failure.description) }
        return .accepted(invalidDropped: invalid)
    }

    /// Encodes a time the hot path produced (EventTime as the ext type, integers as integers).
    private static func write(_ time: StoredTime, into buffer: inout ByteBuffer) {
        switch time {
        case let .eventTime(s, n): EventTime(seconds: s, nanoseconds: n).encode(into: &buffer)
        case let .integer(v): buffer.writeMessagePackInt(v)
        // Never re-encoded: entries with this time pass through byte for byte (only replaced times are written).
        case let .withMetadata(s, n, integer): integer ? buffer.writeMessagePackInt(Int64(s)) : EventTime(seconds: s, nanoseconds: n).encode(into: &buffer)
        case .other: buffer.writeMessagePackNil()
        }
    }

    /// Appends a record to an entry, with `source_address_key` added to maps (docs/forward-protocol.md, "Request processing", step 6).
    private func writeRecord(_ record: UnsafeRawBufferPointer, kind: MessagePackKind, peerIP: String, into buffer: inout ByteBuffer) {
        if sourceAddressKey != nil && kind == .map {
            buffer.writeBytes(storedRecord(record, kind: kind, peerIP: peerIP))
        } else {
            buffer.writeBytes(record)
        }
    }

    /// The record bytes to keep, with `source_address_key` added to maps (docs/forward-protocol.md, "Request processing", step 6).
    private func storedRecord<Bytes: Collection>(_ bytes: Bytes, kind: MessagePackKind, peerIP: String) -> [UInt8] where Bytes.Element == UInt8 {
        let original = Array(bytes)
        guard let key = sourceAddressKey, kind == .map, let first = original.first else { return original }
        let count: Int, headerLength: Int
        switch first {
        case 0x80 ... 0x8f: count = Int(first & 0x0f); headerLength = 1
        case 0xde: count = Int(original[1]) << 8 | Int(original[2]); headerLength = 3
        default:
            count = original[1 ..< 5].reduce(0) { $0 << 8 | Int($1) }; headerLength = 5
        }
        var out = ByteBuffer()
        out.writeMessagePackMapHeader(count: count + 1)
        out.writeBytes(original[headerLength...])
        out.writeMessagePackString(key)
        out.writeMessagePackString(peerIP)
        return Array(out.readableBytesView)
    }
}

extension StoredTime: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .eventTime(s, n): return EventTime(seconds: s, nanoseconds: n).description
        case let .integer(v): return String(v)
        case let .withMetadata(s, n, integer): return "[\(integer ? String(s) : EventTime(seconds: s, nanoseconds: n).description), metadata]"
        case .other: return "invalid"
        }
    }
}
