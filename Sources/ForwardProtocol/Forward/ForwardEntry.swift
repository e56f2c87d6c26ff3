import NIOCore

/// One `[time, record]` entry, with the record left encoded (a slice of the request's bytes).
public struct ForwardEntry: Sendable {
    public var time: EntryTime
    /// The record's encoded bytes; `recordKind` says what it is (a valid record is a map).
    public var record: ByteBuffer
    public var recordKind: MessagePackKind

    public init(time: EntryTime, record: ByteBuffer, recordKind: MessagePackKind) {
        self.time = time
        self.record = record
        self.recordKind = recordKind
    }

    /// Valid per in_forward's rule (docs/forward-protocol.md, "Invalid events"): time is Integer or EventTime and the record a map.
    public var isValid: Bool { time.isValid && recordKind == .map }

    /// Reads one entry. Mirrors Ruby's `time, record = entry` destructuring: a non-array is the time
    /// with a nil record; extra elements are ignored; missing ones are nil.
    @inlinable
    public static func read(from reader: inout MessagePackReader) throws(MessagePackError) -> ForwardEntry {
        guard reader.peekKind() == .array else {
            let time = try reader.readEntryTime()
            return ForwardEntry(time: time, record: ByteBuffer(), recordKind: .nil)
        }
        let count = try reader.readArrayHeader()
        if count == 0 { return ForwardEntry(time: .other(.nil), record: ByteBuffer(), recordKind: .nil) }
        let time = try reader.readEntryTime()
        var record = ByteBuffer()
        var kind = MessagePackKind.nil
        if count >= 2 {
            kind = reader.peekKind() ?? .invalid
            record = try reader.readEncodedValue()
            for _ in 2 ..< count { try reader.skipValue() }
        }
        return ForwardEntry(time: time, record: record, recordKind: kind)
    }

    /// Writes `[time, record]` with the record's encoded bytes.
    @inlinable
    public static func write(time: EventTime, encodedRecord: ByteBuffer, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0x92))
        time.encode(into: &buffer)
        var record = encodedRecord
        buffer.writeBuffer(&record)
    }

    /// Writes `[time, record]` with integer seconds (`time_as_integer true`; docs/forward-protocol.md, "Sending a chunk").
    public static func write(integerTime: Int64, encodedRecord: ByteBuffer, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0x92))
        buffer.writeMessagePackInt(integerTime)
        var record = encodedRecord
        buffer.writeBuffer(&record)
    }
}

/// Iterates the entries of a Forward array or a (decompressed) PackedForward blob without copying.
public struct ForwardEntryIterator: Sendable {
    @usableFromInline var reader: MessagePackReader
    @usableFromInline var remaining: Int?

    /// Entries of a packed blob: concatenated entries until the end of the bytes.
    public init(packed: ByteBuffer, limits: MessagePackLimits = .default) {
        reader = MessagePackReader(packed, limits: limits)
        remaining = nil
    }

    /// Entries of a Forward-mode array whose header said `count`.
    public init(forwardEntries: ByteBuffer, count: Int, limits: MessagePackLimits = .default) {
        reader = MessagePackReader(forwardEntries, limits: limits)
        remaining = count
    }

    /// The next entry, nil at the end; throws on bytes that are not a sequence of values.
    @inlinable
    public mutating func next() throws(MessagePackError) -> ForwardEntry? {
        if let r = remaining {
            guard r > 0 else { return nil }
            remaining = r - 1
        } else if reader.isAtEnd {
            return nil
        }
        return try ForwardEntry.read(from: &reader)
    }
}
