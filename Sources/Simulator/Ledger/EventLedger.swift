import ForwardProtocol
import ForwardServer
import NIOConcurrencyHelpers
import NIOCore

/// Everything a receiver accepted, in arrival order, queryable from any thread.
///
/// Storage is built for ≥ 1M events/s: each event is a 24-byte `IngestSlot` appended into fixed-size
/// chunks (no reallocation of the whole history), per-request data (arrival, peer, tag, chunk id,
/// mode) is stored once per request, tags/peers/chunk ids are interned, and the lock is taken once per
/// request. Indexes (by seq) are built lazily when first queried and extended incrementally.
public final class EventLedger: @unchecked Sendable {
    // @unchecked: every mutable property below is only touched while holding `lock`.

    /// Name of the receiver this ledger belongs to (reported on every event).
    public let receiverName: String
    public let settings: LedgerSettings
    /// The sequence field name as bytes, for the allocation-free record scan.
    let sequenceKey: [UInt8]

    private let lock = NIOLock()
    private static let chunkCapacity = 1 << 16
    private var chunks: [[IngestSlot]] = []
    private var eventCount = 0
    private var requests: [LedgerRequestRecord] = []
    private var requestCount = 0
    private var records: [[UInt8]] = []
    /// Parallel to `records`: each event's Fluent Bit metadata map (empty when its time had none).
    private var metadata: [[UInt8]] = []
    private var tags = LedgerInterner()
    private var chunkIDs = LedgerInterner()
    private var chunkAccepts: [Int] = []
    private var duplicateChunkAccepts = 0
    private var peers: [String] = []
    private var rejectionCounts: [IngestRejection.Reason: Int] = [:]
    private var rejectionTotal = 0
    private var recentRejections: [IngestRejection] = []
    private var seqIndex: [Int64: [Int]] = [:]
    private var seqIndexedUpTo = 0
    private var waiters: [Int: (condition: @Sendable (LedgerSnapshot) -> Bool, continuation: CheckedContinuation<Bool, Never>)] = [:]
    private var nextWaiterID = 0
    private let writer: LedgerJSONLWriter?

    /// A ledger; opens `settings.jsonLinesPath` for appending-by-truncation when set.
    public init(receiverName: String, settings: LedgerSettings = LedgerSettings()) throws {
        self.receiverName = receiverName
        self.settings = settings
        self.sequenceKey = Array(settings.sequenceField.utf8)
        if let path = settings.jsonLinesPath {
            writer = try LedgerJSONLWriter(path: path, receiverName: receiverName)
        } else {
            writer = nil
        }
    }

    // MARK: Ingestion (called by connections)

    /// Registers a connection's peer text once; events then carry its id.
    public func registerPeer(_ peer: String) -> UInt32 {
        lock.withLock {
            peers.append(peer)
            return UInt32(peers.count - 1)
        }
    }

    /// Appends one request's events atomically (all or nothing, one lock acquisition).
    public func append(_ batch: IngestBatch) {
        var fired: [CheckedContinuation<Bool, Never>] = []
        var jsonItem: LedgerJSONLWriter.Item?
        lock.withLock {
            let tag = tags.intern(batch.tag) { String(decoding: $0.readableBytesView, as: UTF8.self) }.id
            var chunkIndex = UInt32.max
            if let chunk = batch.chunk {
                let (id, isNew) = chunkIDs.intern(chunk) { Self.chunkText($0) }
                chunkIndex = id
                if isNew { chunkAccepts.append(0) } else { duplicateChunkAccepts += 1 }
                chunkAccepts[Int(id)] += 1
            }
            let first = eventCount
            if settings.storeEvents {
                requests.append(LedgerRequestRecord(
                    arrivalMonotonicNanos: batch.arrivalMonotonicNanos, arrivalWallNanos: batch.arrivalWallNanos,
                    peer: batch.peer, tag: tag, chunk: chunkIndex, mode: Self.modeCode(batch.mode),
                    firstEvent: first, eventCount: batch.slots.count))
                appendSlots(batch.slots)
                if settings.keepRecords {
                    records.append(contentsOf: batch.records)
                    metadata.append(contentsOf: batch.metadata)
                }
            }
            eventCount += batch.slots.count
            requestCount += 1
            if writer != nil {
                jsonItem = LedgerJSONLWriter.Item(
                    arrivalMonotonicNanos: batch.arrivalMonotonicNanos, arrivalWallNanos: batch.arrivalWallNanos,
                    peer: peers[Int(batch.peer)], tag: tags.values[Int(tag)],
                    chunk: chunkIndex == .max ? nil : chunkIDs.values[Int(chunkIndex)],
                    mode: batch.mode, slots: batch.slots, firstEvent: first)
            }
            if !waiters.isEmpty { fired = collectSatisfiedWaiters() }
        }
        if let jsonItem {
            if settings.jsonLinesSynchronous { writer?.writeNow(jsonItem) } else { writer?.enqueue(jsonItem) }
        }
        for c in fired { c.resume(returning: true) }
    }

    /// Counts a rejected request (or dropped events) with its reason.
    public func reject(_ rejection: IngestRejection) {
        var fired: [CheckedContinuation<Bool, Never>] = []
        lock.withLock {
            rejectionCounts[rejection.reason, default: 0] += 1
            rejectionTotal += 1
            if recentRejections.count < settings.recentRejectionLimit { recentRejections.append(rejection) }
            if !waiters.isEmpty { fired = collectSatisfiedWaiters() }
        }
        for c in fired { c.resume(returning: true) }
    }

    private func appendSlots(_ slots: [IngestSlot]) {
        var from = 0
        while from < slots.count {
            if chunks.isEmpty || chunks[chunks.count - 1].count == Self.chunkCapacity {
                var fresh: [IngestSlot] = []
                fresh.reserveCapacity(Self.chunkCapacity)
                chunks.append(fresh)
            }
            let room = Self.chunkCapacity - chunks[chunks.count - 1].count
            let n = min(room, slots.count - from)
            chunks[chunks.count - 1].append(contentsOf: slots[from ..< from + n])
            from += n
        }
    }

    // MARK: Queries

    /// Number of accepted events.
    public var count: Int { lock.withLock { eventCount } }

    /// Number of accepted requests.
    public var requestTotal: Int { lock.withLock { requestCount } }

    /// Counters at this instant.
    public func snapshot() -> LedgerSnapshot { lock.withLock { snapshotLocked() } }

    /// Every stored event, in arrival order (empty when `storeEvents` is off).
    public func events() -> [LedgerEvent] {
        lock.withLock { (0 ..< storedCount).map { eventLocked($0) } }
    }

    /// The event at `index` in arrival order.
    public func event(at index: Int) -> LedgerEvent? {
        lock.withLock { index >= 0 && index < storedCount ? eventLocked(index) : nil }
    }

    /// Sequence values of all stored events in arrival order (nil where a record had none).
    public func sequenceNumbers() -> [Int64?] {
        lock.withLock {
            var out: [Int64?] = []
            out.reserveCapacity(storedCount)
            for chunk in chunks { for s in chunk { out.append(s.seqValue) } }
            return out
        }
    }

    /// Events whose sequence field equals `seq`.
    public func events(seq: Int64) -> [LedgerEvent] {
        lock.withLock {
            updateSeqIndexLocked()
            return (seqIndex[seq] ?? []).map { eventLocked($0) }
        }
    }

    /// How many times each sequence value was accepted.
    public func sequenceCounts() -> [Int64: Int] {
        lock.withLock {
            updateSeqIndexLocked()
            return seqIndex.mapValues(\.count)
        }
    }

    /// Sequence values accepted more than once, with their counts.
    public func duplicateSequences() -> [Int64: Int] {
        sequenceCounts().filter { $0.value > 1 }
    }

    /// Values of `range` never accepted.
    public func missingSequences(in range: ClosedRange<Int64>) -> [Int64] {
        lock.withLock {
            updateSeqIndexLocked()
            return range.filter { seqIndex[$0] == nil }
        }
    }

    /// How many times each `chunk` value was accepted (values as text).
    public func chunkAcceptCounts() -> [String: Int] {
        lock.withLock {
            var out: [String: Int] = [:]
            for (i, v) in chunkIDs.values.enumerated() { out[v, default: 0] += chunkAccepts[i] }
            return out
        }
    }

    /// How many times requests carrying `chunkID` were accepted.
    public func acceptCount(chunkID: String) -> Int {
        lock.withLock { chunkIDs.id(ofText: chunkID).map { chunkAccepts[Int($0)] } ?? 0 }
    }

    /// The first rejections (up to `recentRejectionLimit`), oldest first.
    public func rejections() -> [IngestRejection] { lock.withLock { recentRejections } }

    /// Rejection counts by reason.
    public func rejectionCountsByReason() -> [IngestRejection.Reason: Int] { lock.withLock { rejectionCounts } }

    /// Waits until `condition` holds for a snapshot, or `timeout` passes; returns whether it held.
    public func wait(timeout: Duration, until condition: @escaping @Sendable (LedgerSnapshot) -> Bool) async -> Bool {
        let id: Int? = lock.withLock {
            if condition(snapshotLocked()) { return nil }
            nextWaiterID += 1
            return nextWaiterID
        }
        guard let id else { return true }
        let timeoutTask = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.expireWaiter(id)
        }
        defer { timeoutTask.cancel() }
        return await withCheckedContinuation { continuation in
            let fired: Bool = lock.withLock {
                // The condition may have become true between the first check and now.
                if condition(snapshotLocked()) { return true }
                waiters[id] = (condition, continuation)
                return false
            }
            if fired { continuation.resume(returning: true) }
        }
    }

    /// Waits until at least `events` events were accepted (bounded by `timeout`).
    public func wait(forEvents events: Int, timeout: Duration) async -> Bool {
        await wait(timeout: timeout) { $0.events >= events }
    }

    /// Waits until at least `rejections` rejections were counted (bounded by `timeout`).
    public func wait(forRejections rejections: Int, timeout: Duration) async -> Bool {
        await wait(timeout: timeout) { $0.rejections >= rejections }
    }

    /// Writes out and closes the JSON-lines stream, if any (blocks until written).
    public func close() {
        writer?.close()
    }

    // MARK: Internals

    private func expireWaiter(_ id: Int) {
        let c = lock.withLock { waiters.removeValue(forKey: id)?.continuation }
        c?.resume(returning: false)
    }

    private func collectSatisfiedWaiters() -> [CheckedContinuation<Bool, Never>] {
        let snap = snapshotLocked()
        var fired: [CheckedContinuation<Bool, Never>] = []
        for (id, w) in waiters where w.condition(snap) {
            fired.append(w.continuation)
            waiters[id] = nil
        }
        return fired
    }

    private var storedCount: Int { settings.storeEvents ? eventCount : 0 }

    private func snapshotLocked() -> LedgerSnapshot {
        LedgerSnapshot(events: eventCount, requests: requestCount, distinctChunks: chunkIDs.count,
                       duplicateChunkAccepts: duplicateChunkAccepts, rejections: rejectionTotal,
                       rejectionsByReason: rejectionCounts)
    }

    private func slotLocked(_ index: Int) -> IngestSlot {
        chunks[index / Self.chunkCapacity][index % Self.chunkCapacity]
    }

    private func requestIndexLocked(forEvent index: Int) -> Int {
        var lo = 0, hi = requests.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if requests[mid].firstEvent <= index { lo = mid } else { hi = mid - 1 }
        }
        // Requests with zero events share a firstEvent with the next one: step forward past them.
        while requests[lo].eventCount == 0 || requests[lo].firstEvent + requests[lo].eventCount <= index { lo += 1 }
        return lo
    }

    private func eventLocked(_ index: Int) -> LedgerEvent {
        let slot = slotLocked(index)
        let ri = requestIndexLocked(forEvent: index)
        let r = requests[ri]
        return LedgerEvent(
            receiver: receiverName, arrivalMonotonicNanos: r.arrivalMonotonicNanos, arrivalWallNanos: r.arrivalWallNanos,
            peer: peers[Int(r.peer)], tag: tags.values[Int(r.tag)], time: Self.time(of: slot),
            chunkID: r.chunk == .max ? nil : chunkIDs.values[Int(r.chunk)], mode: Self.mode(r.mode),
            seq: slot.seqValue, requestIndex: ri, record: settings.keepRecords && index < records.count ? records[index] : nil,
            metadata: settings.keepRecords && index < metadata.count && !metadata[index].isEmpty ? metadata[index] : nil)
    }

    private func updateSeqIndexLocked() {
        while seqIndexedUpTo < storedCount {
            let s = slotLocked(seqIndexedUpTo)
            if let v = s.seqValue { seqIndex[v, default: []].append(seqIndexedUpTo) }
            seqIndexedUpTo += 1
        }
    }

    static func time(of slot: IngestSlot) -> LedgerTime {
        if slot.flags & IngestSlot.otherTime != 0 { return .other }
        if slot.flags & IngestSlot.metadataTime != 0 {
            return .withMetadata(EventTime(seconds: slot.timeSeconds, nanoseconds: slot.timeNanos), integer: slot.flags & IngestSlot.integerTime != 0)
        }
        if slot.flags & IngestSlot.integerTime != 0 { return .integer(Int64(slot.timeSeconds)) }
        return .eventTime(EventTime(seconds: slot.timeSeconds, nanoseconds: slot.timeNanos))
    }

    static func modeCode(_ mode: ForwardMode) -> UInt8 {
        switch mode {
        case .message: return 0
        case .forward: return 1
        case .packedForward: return 2
        case .compressedPackedForward: return 3
        }
    }

    static func mode(_ code: UInt8) -> ForwardMode {
        switch code {
        case 0: return .message
        case 1: return .forward
        case 2: return .packedForward
        default: return .compressedPackedForward
        }
    }

    /// The chunk value's text: a str/bin as UTF-8, anything else as its MessagePack hex.
    static func chunkText(_ encoded: ByteBuffer) -> String {
        if let v = try? MessagePackValue.decode(encoded), let s = v.stringValue { return s }
        return encoded.readableBytesView.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

extension EventLedger: ForwardIngestSink {
    /// The ledger keeps slots (and optionally records), never the entry bytes.
    public var wantsEntries: Bool { false }

    public func accept(_ batch: IngestBatch) -> IngestVerdict {
        append(batch)
        return .accepted
    }
}
