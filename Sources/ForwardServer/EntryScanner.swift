import ForwardProtocol

/// Why entry bytes were refused (each one closes the connection, like Fluentd's decoder raising).
enum EntryScanError: Error, CustomStringConvertible {
    case truncated(offset: Int)
    case invalidFormat(byte: UInt8, offset: Int)
    case invalidEventTime(length: Int, offset: Int)
    case unknownExtension(type: Int8, offset: Int)
    /// A Forward-mode entry Fluentd's `on_message` cannot index (`e[1]` on nil, true/false, a float) or whose
    /// time has no `to_i` (an array, map or boolean): Ruby raises NoMethodError and the connection closes.
    case noMethod(what: String, offset: Int)

    var description: String {
        switch self {
        case let .truncated(o): return "entries truncated at byte \(o)"
        case let .invalidFormat(b, o): return "invalid MessagePack format byte 0x\(String(b, radix: 16)) at byte \(o) of entries"
        case let .invalidEventTime(l, o): return "EventTime ext with \(l)-byte payload (want at least 8) at byte \(o) of entries"
        case let .unknownExtension(t, o): return "unknown ext type \(t) at byte \(o) of entries"
        case let .noMethod(w, o): return "Forward entry at byte \(o): \(w) (Fluentd raises NoMethodError)"
        }
    }
}

/// One entry as the hot path sees it: positions into the scanned bytes, no copies.
struct ScannedEntry {
    var time: StoredTime
    /// Integer or EventTime (Fluentd's validity rule for the time; docs/forward-protocol.md, "Invalid events").
    var timeIsValid: Bool
    /// `time.to_i == 0` (nil, strings, 0, EventTime(0, _)) — docs/forward-protocol.md, "Request processing".
    var timeIsZero: Bool
    var recordKind: MessagePackKind
    /// Byte range of the encoded time (for re-encoding an entry without touching its time).
    var timeStart: Int
    var timeEnd: Int
    /// Byte range of the encoded record (empty when absent).
    var recordStart: Int
    var recordEnd: Int
    var seq: Int64?
    /// A record that is not in the scanned bytes: what Ruby's indexing makes of an Integer or String entry
    /// (`EntryScanner.indexedScalar`). The time is then not in the bytes either and must be re-encoded.
    var syntheticRecord: [UInt8]? = nil
    /// Byte range of the metadata map of a `[time, metadata]` time (empty otherwise).
    var metadataStart = 0
    var metadataEnd = 0
}

/// An allocation-free walker over concatenated `[time, record]` entries (PackedForward blobs,
/// inflated gzip, Forward arrays), checking every length against the bytes present, rejecting
/// ext types other than a well-formed EventTime (docs/forward-protocol.md, "EventTime"), and pulling the sequence field out of each
/// record without decoding it. Skipping uses a pending-value counter instead of recursion, so
/// nesting depth cannot exhaust the stack. Mirrors `ForwardEntry.read`'s Ruby-destructuring rules.
struct EntryScanner {
    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int
    /// Entries left for a Forward array; nil for a packed blob (until the bytes end).
    private var remaining: Int?
    let sequenceKey: UnsafeRawBufferPointer
    /// Forward mode without skip_invalid_event: Fluentd reads each entry as `e[1]` then `e[0]` and calls `to_i`
    /// on the time (docs/fidelity-receiver.md), so entries it cannot index, and times without `to_i`, raise.
    /// Elsewhere (PackedForward, skip_invalid_event) entries are destructured, which never raises.
    let indexing: Bool

    init(bytes: UnsafeRawBufferPointer, count: Int?, sequenceKey: UnsafeRawBufferPointer, indexing: Bool = false) {
        self.bytes = bytes
        position = 0
        remaining = count
        self.sequenceKey = sequenceKey
        self.indexing = indexing
    }

    @inline(__always) private func byte(_ at: Int) throws(EntryScanError) -> UInt8 {
        guard at < bytes.count else { throw .truncated(offset: at) }
        return bytes[at]
    }

    @inline(__always) private func be(_ at: Int, _ n: Int) throws(EntryScanError) -> UInt64 {
        guard at + n <= bytes.count else { throw .truncated(offset: at) }
        var v: UInt64 = 0
        for i in 0 ..< n { v = v << 8 | UInt64(bytes[at + i]) }
        return v
    }

    /// The next entry, nil at the end.
    mutating func next() throws(EntryScanError) -> ScannedEntry? {
        if let r = remaining {
            guard r > 0 else { return nil }
            remaining = r - 1
        } else if position >= bytes.count {
            return nil
        }
        let f = try byte(position)
        let count: Int
        switch f {
        case 0x90 ... 0x9f: count = Int(f & 0x0f); position += 1
        case 0xdc: count = Int(try be(position + 1, 2)); position += 3
        case 0xdd: count = Int(try be(position + 1, 4)); position += 5
        default:
            if indexing {
                switch MessagePackKind(format: f) {
                case .nil: throw .noMethod(what: "nil entry", offset: position)
                case .bool: throw .noMethod(what: "boolean entry", offset: position)
                case .float: throw .noMethod(what: "float entry", offset: position)
                case .int, .ext: return try indexedInteger()
                case .string, .binary: return try indexedString()
                default: break
                }
            }
            // Not an array: Ruby's `time, record = entry` makes it the time with a nil record.
            let timeStart = position
            let (t, valid, zero) = try readTime()
            return ScannedEntry(time: t, timeIsValid: valid, timeIsZero: zero, recordKind: .nil,
                                timeStart: timeStart, timeEnd: position,
                                recordStart: position, recordEnd: position, seq: nil)
        }
        if count == 0 {
            return ScannedEntry(time: .other, timeIsValid: false, timeIsZero: true, recordKind: .nil,
                                timeStart: position, timeEnd: position,
                                recordStart: position, recordEnd: position, seq: nil)
        }
        let timeStart = position
        let timeKind = MessagePackKind(format: try byte(timeStart))
        let (t, valid, zero) = try readTime()
        var entry = ScannedEntry(time: t, timeIsValid: valid, timeIsZero: zero, recordKind: .nil,
                                 timeStart: timeStart, timeEnd: position,
                                 recordStart: position, recordEnd: position, seq: nil)
        if case .withMetadata = t { (entry.metadataStart, entry.metadataEnd) = lastMetadata }
        if count >= 2 {
            let start = position
            entry.recordKind = MessagePackKind(format: try byte(start))
            try skip(values: 1)
            entry.recordStart = start
            entry.recordEnd = position
            if entry.recordKind == .map { entry.seq = sequence(inRecordAt: start) }
            if count > 2 { try skip(values: count - 2) }
        }
        // Fluentd looks at the time only for entries with a record (nil records are skipped first).
        if indexing, entry.recordKind != .nil, timeKind == .array || timeKind == .map || timeKind == .bool {
            throw .noMethod(what: "time without to_i (\(timeKind))", offset: timeStart)
        }
        return entry
    }

    /// A bare Integer (or EventTime, whose unknown methods Fluentd forwards to its seconds) as a Forward entry:
    /// in_forward's `e[1]` and `e[0]` are then bits 1 and 0 of the number (Ruby `Integer#[]`), so the entry is an
    /// event whose record is the integer 0 or 1 and whose time is 1, or now when bit 0 is clear
    /// (lib/fluent/plugin/in_forward.rb, `on_message`; measured in docs/fidelity-receiver.md).
    private mutating func indexedInteger() throws(EntryScanError) -> ScannedEntry {
        let start = position
        let bits: UInt64
        if try byte(start) == 0xcf {
            bits = try be(start + 1, 8)
            position = start + 9
        } else {
            switch try readTime() {
            case let (.integer(v), _, _): bits = UInt64(bitPattern: v)
            case let (.eventTime(sec, _), _, _): bits = UInt64(sec)
            case (.withMetadata, _, _), (.other, _, _): throw .unknownExtension(type: -1, offset: start)
            }
        }
        let bit0 = bits & 1, bit1 = (bits >> 1) & 1
        return ScannedEntry(time: .integer(Int64(bit0)), timeIsValid: true, timeIsZero: bit0 == 0, recordKind: .int,
                            timeStart: start, timeEnd: position, recordStart: position, recordEnd: position,
                            seq: nil, syntheticRecord: [UInt8(bit1)])
    }

    /// A bare str or bin as a Forward entry: `e[1]` is its second character (Ruby `String#[]`; bytes for a bin,
    /// UTF-8 characters for a str), `e[0]` its first. With fewer than two characters the record is nil and the
    /// entry is skipped; otherwise the record is that one-character string and the time a string, which in_forward
    /// replaces by now unless it is a digit (the digit case is the output-dependent difference of
    /// fixtures/fidelity/receiver-known-differences.json; the receiver takes now).
    private mutating func indexedString() throws(EntryScanError) -> ScannedEntry {
        let start = position
        let f = try byte(start)
        let header: Int, length: Int
        switch f {
        case 0xa0 ... 0xbf: header = 1; length = Int(f & 0x1f)
        case 0xc4, 0xd9: header = 2; length = Int(try be(start + 1, 1))
        case 0xc5, 0xda: header = 3; length = Int(try be(start + 1, 2))
        default: header = 5; length = Int(try be(start + 1, 4))
        }
        let body = start + header
        guard body + length <= bytes.count else { throw .truncated(offset: start) }
        position = body + length
        let isBinary = f == 0xc4 || f == 0xc5 || f == 0xc6
        var first = length, second = length
        if isBinary {
            first = min(1, length); second = min(2, length)
        } else {
            first = body + characterLength(at: body, end: body + length) - body
            second = first + characterLength(at: body + first, end: body + length)
        }
        var entry = ScannedEntry(time: .other, timeIsValid: false, timeIsZero: true, recordKind: .nil,
                                 timeStart: start, timeEnd: position, recordStart: position, recordEnd: position, seq: nil)
        guard second > first else { return entry }
        let char = UnsafeRawBufferPointer(rebasing: bytes[(body + first) ..< (body + second)])
        var record: [UInt8] = isBinary ? [0xc4, UInt8(char.count)] : [0xa0 | UInt8(char.count)]
        record.append(contentsOf: char)
        entry.recordKind = isBinary ? .binary : .string
        entry.syntheticRecord = record
        return entry
    }

    /// Bytes of the UTF-8 character at `at` (1 for an invalid byte, which Ruby also counts as one character).
    private func characterLength(at: Int, end: Int) -> Int {
        guard at < end else { return 0 }
        let lead = bytes[at]
        let n: Int
        switch lead {
        case 0xc2 ... 0xdf: n = 2
        case 0xe0 ... 0xef: n = 3
        case 0xf0 ... 0xf4: n = 4
        default: return 1
        }
        guard at + n <= end else { return 1 }
        for i in 1 ..< n where bytes[at + i] & 0xc0 != 0x80 { return 1 }
        return n
    }

    /// The metadata range of the last `[time, metadata]` time read.
    private var lastMetadata = (0, 0)

    /// Reads the time slot: int, EventTime, Fluent Bit 5's `[time, metadata]`, or anything else (skipped, invalid).
    private mutating func readTime() throws(EntryScanError) -> (StoredTime, Bool, Bool) {
        let at = position
        let f = try byte(at)
        if f == 0x92, let inner = try readMetadataTime(at: at) { return (inner, false, false) }
        switch f {
        case 0xd7, 0xd8:
            // EventTime is read from the first 8 payload bytes whatever the length (docs/fidelity-receiver.md).
            let len = f == 0xd7 ? 8 : 16
            guard at + 2 + len <= bytes.count else { throw .truncated(offset: at) }
            let type = Int8(bitPattern: try byte(at + 1))
            guard type == 0 else { throw .unknownExtension(type: type, offset: at) }
            let s = UInt32(truncatingIfNeeded: try be(at + 2, 4))
            let n = UInt32(truncatingIfNeeded: try be(at + 6, 4))
            position = at + 2 + len
            return (.eventTime(s, n), true, s == 0)
        case 0x00 ... 0x7f:
            position = at + 1
            return (.integer(Int64(f)), true, f == 0)
        case 0xe0 ... 0xff:
            position = at + 1
            return (.integer(Int64(Int8(bitPattern: f))), true, false)
        case 0xcc ... 0xd3:
            let n = 1 << Int((f &- 0xcc) & 3)
            let raw = try be(at + 1, n)
            let v: Int64
            if f <= 0xcf {
                v = raw > UInt64(Int64.max) ? Int64.max : Int64(raw)
            } else {
                let shift = UInt64(64 - n * 8)
                v = Int64(bitPattern: raw << shift) >> Int64(shift)
            }
            position = at + 1 + n
            return (.integer(v), true, v == 0)
        case 0xc7, 0xc8, 0xc9:
            let lb = f == 0xc7 ? 1 : (f == 0xc8 ? 2 : 4)
            let len = Int(try be(at + 1, lb))
            guard at + 2 + lb + len <= bytes.count else { throw .truncated(offset: at) }
            let type = Int8(bitPattern: try byte(at + 1 + lb))
            guard type == 0 else { throw .unknownExtension(type: type, offset: at) }
            guard len >= 8 else { throw .invalidEventTime(length: len, offset: at) }
            let s = UInt32(truncatingIfNeeded: try be(at + 2 + lb, 4))
            let n = UInt32(truncatingIfNeeded: try be(at + 6 + lb, 4))
            position = at + 2 + lb + len
            return (.eventTime(s, n), true, s == 0)
        default:
            try skip(values: 1)
            return (.other, false, true)
        }
    }

    /// `[EventTime or integer, map]` at `at` (position moves past it), or nil with the position unchanged. Its
    /// validity and zero-ness are the array's, which Fluentd's rules never see through.
    private mutating func readMetadataTime(at: Int) throws(EntryScanError) -> StoredTime? {
        guard at + 1 < bytes.count else { return nil }
        let first = bytes[at + 1]
        let timeLike = first <= 0x7f || (0xcc ... 0xd3).contains(first) || first == 0xd7 || first == 0xd8 || (0xc7 ... 0xc9).contains(first)
        guard timeLike else { return nil }
        position = at + 1
        let (inner, valid, _) = try readTime()
        guard valid, position < bytes.count else { position = at; return nil }
        let m = bytes[position]
        guard (0x80 ... 0x8f).contains(m) || m == 0xde || m == 0xdf else { position = at; return nil }
        let metaStart = position
        try skip(values: 1)
        lastMetadata = (metaStart, position)
        switch inner {
        case let .eventTime(s, n): return .withMetadata(s, n, integer: false)
        case let .integer(v): return .withMetadata(UInt32(clamping: v), 0, integer: true)
        case .withMetadata, .other: position = at; return nil
        }
    }

    /// Skips `values` complete values, validating lengths and ext types.
    mutating func skip(values: Int) throws(EntryScanError) {
        var pending = values
        while pending > 0 {
            pending -= 1
            let at = position
            let f = try byte(at)
            switch f {
            case 0x00 ... 0x7f, 0xe0 ... 0xff, 0xc0, 0xc2, 0xc3: position = at + 1
            case 0x80 ... 0x8f: pending += 2 * Int(f & 0x0f); position = at + 1
            case 0x90 ... 0x9f: pending += Int(f & 0x0f); position = at + 1
            case 0xa0 ... 0xbf: position = at + 1 + Int(f & 0x1f)
            case 0xc4, 0xd9: position = at + 2 + Int(try be(at + 1, 1))
            case 0xc5, 0xda: position = at + 3 + Int(try be(at + 1, 2))
            case 0xc6, 0xdb: position = at + 5 + Int(try be(at + 1, 4))
            case 0xc7, 0xc8, 0xc9:
                let lb = f == 0xc7 ? 1 : (f == 0xc8 ? 2 : 4)
                let len = Int(try be(at + 1, lb))
                // An ext whose payload has not all arrived is incomplete before it is wrong (msgpack waits for it).
                guard at + 2 + lb + len <= bytes.count else { throw .truncated(offset: at) }
                try checkExtension(type: try byte(at + 1 + lb), length: len, at: at)
                position = at + 2 + lb + len
            case 0xca: position = at + 5
            case 0xcb: position = at + 9
            case 0xcc, 0xd0: position = at + 2
            case 0xcd, 0xd1: position = at + 3
            case 0xce, 0xd2: position = at + 5
            case 0xcf, 0xd3: position = at + 9
            case 0xd4 ... 0xd8:
                let len = 1 << Int(f - 0xd4)
                guard at + 2 + len <= bytes.count else { throw .truncated(offset: at) }
                try checkExtension(type: try byte(at + 1), length: len, at: at)
                position = at + 2 + len
            case 0xdc: pending += Int(try be(at + 1, 2)); position = at + 3
            case 0xdd: pending += Int(try be(at + 1, 4)); position = at + 5
            case 0xde: pending += 2 * Int(try be(at + 1, 2)); position = at + 3
            case 0xdf: pending += 2 * Int(try be(at + 1, 4)); position = at + 5
            default: throw .invalidFormat(byte: f, offset: at)
            }
            guard position <= bytes.count else { throw .truncated(offset: at) }
        }
    }

    @inline(__always) private func checkExtension(type raw: UInt8, length: Int, at: Int) throws(EntryScanError) {
        let type = Int8(bitPattern: raw)
        guard type == EventTime.extensionType else { throw .unknownExtension(type: type, offset: at) }
        // Fluentd unpacks EventTime from the first 8 bytes and ignores the rest; shorter payloads fail.
        guard length >= 8 else { throw .invalidEventTime(length: length, offset: at) }
    }

    /// Validates one standalone value (a Message-mode record) and reads its sequence field.
    static func scanRecord(_ bytes: UnsafeRawBufferPointer, sequenceKey: UnsafeRawBufferPointer) throws(EntryScanError) -> Int64? {
        var s = EntryScanner(bytes: bytes, count: nil, sequenceKey: sequenceKey)
        try s.skip(values: 1)
        guard bytes.count > 0, MessagePackKind(format: bytes[0]) == .map else { return nil }
        return s.sequence(inRecordAt: 0)
    }

    /// The integer value of the sequence key in an already-validated map at `start`, or nil.
    func sequence(inRecordAt start: Int) -> Int64? {
        var cursor = EntryScanner(bytes: bytes, count: nil, sequenceKey: sequenceKey)
        cursor.position = start
        return try? cursor.findSequence()
    }

    private mutating func findSequence() throws(EntryScanError) -> Int64? {
        let f = try byte(position)
        let pairs: Int
        switch f {
        case 0x80 ... 0x8f: pairs = Int(f & 0x0f); position += 1
        case 0xde: pairs = Int(try be(position + 1, 2)); position += 3
        case 0xdf: pairs = Int(try be(position + 1, 4)); position += 5
        default: return nil
        }
        for _ in 0 ..< pairs {
            let k = try byte(position)
            var keyStart = -1, keyLength = 0
            switch k {
            case 0xa0 ... 0xbf: keyStart = position + 1; keyLength = Int(k & 0x1f)
            case 0xd9, 0xc4: keyStart = position + 2; keyLength = Int(try be(position + 1, 1))
            case 0xda, 0xc5: keyStart = position + 3; keyLength = Int(try be(position + 1, 2))
            case 0xdb, 0xc6: keyStart = position + 5; keyLength = Int(try be(position + 1, 4))
            default: break
            }
            if keyStart >= 0 {
                position = keyStart + keyLength
                if keyLength == sequenceKey.count, keyStart + keyLength <= bytes.count,
                   memcmp(bytes.baseAddress! + keyStart, sequenceKey.baseAddress!, keyLength) == 0 {
                    return try readInteger()
                }
            } else {
                try skip(values: 1)
            }
            try skip(values: 1)
        }
        return nil
    }

    private mutating func readInteger() throws(EntryScanError) -> Int64? {
        let f = try byte(position)
        switch f {
        case 0x00 ... 0x7f: return Int64(f)
        case 0xe0 ... 0xff: return Int64(Int8(bitPattern: f))
        case 0xcc ... 0xd3:
            let n = 1 << Int((f &- 0xcc) & 3)
            let raw = try be(position + 1, n)
            if f <= 0xcf { return raw > UInt64(Int64.max) ? nil : Int64(raw) }
            let shift = UInt64(64 - n * 8)
            return Int64(bitPattern: raw << shift) >> Int64(shift)
        default: return nil
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
