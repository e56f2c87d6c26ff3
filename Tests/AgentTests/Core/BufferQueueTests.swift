import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

@Suite struct BufferQueueTests {
    private func queue(_ tweak: (inout BufferSettings) -> Void) -> BufferQueue {
        var s = BufferSettings()
        tweak(&s)
        return BufferQueue(settings: s, rng: SeededRandom(seed: 3))
    }

    private func storedInto(_ r: BufferAppendResult) -> ChunkID? {
        if case .stored(let id, _, _, _) = r { return id }
        return nil
    }

    @Test func chunkPerTagAndFullThreshold() {
        var q = queue { $0.chunkLimitSize = 100 }
        let a = storedInto(q.append(tag: "a", bytes: 50, records: 1, now: 10))
        let b = storedInto(q.append(tag: "b", bytes: 10, records: 1, now: 10))
        #expect(a != nil && b != nil && a != b)
        #expect(q.staged.count == 2)
        // 50 + 45 = 95 ≥ 100 × 0.95 → enqueued.
        guard case .stored(let into, let enq, _, _) = q.append(tag: "a", bytes: 45, records: 1, now: 11) else { Issue.record(); return }
        #expect(into == a && enq == [into])
        #expect(q.queue.map(\.id) == [into])
        #expect(q.stageSize == 10 && q.queueSize == 95)
    }

    @Test("flush_mode immediate: every write enqueues its chunk; interval mode keeps it staged")
    func immediateFlushEnqueuesEveryWrite() {
        var q = queue { $0.flushImmediately = true }
        guard case .stored(let into, let enq, _, _) = q.append(tag: "a", bytes: 10, records: 1, now: 0) else { Issue.record(); return }
        #expect(enq == [into] && q.staged.isEmpty && q.queue.count == 1)
        var interval = queue { _ in }
        guard case .stored(_, let none, _, _) = interval.append(tag: "a", bytes: 10, records: 1, now: 0) else { Issue.record(); return }
        #expect(none.isEmpty && interval.staged.count == 1)
    }

    @Test func overLimitAppendStartsNewChunk() {
        var q = queue { $0.chunkLimitSize = 100; $0.chunkLimitRecords = 3 }
        let first = storedInto(q.append(tag: "t", bytes: 60, records: 1, now: 0))
        guard case .stored(let second, let enq, _, _) = q.append(tag: "t", bytes: 60, records: 1, now: 0) else { Issue.record(); return }
        #expect(enq == [first!] && second != first)
        #expect(q.append(tag: "t", bytes: 101, records: 1, now: 0) == .chunkTooLarge)
        // Records threshold: 3 × 0.95 = 2.85 → full at 3 records.
        var r = queue { $0.chunkLimitRecords = 3 }
        _ = r.append(tag: "x", bytes: 1, records: 2, now: 0)
        guard case .stored(_, let e2, _, _) = r.append(tag: "x", bytes: 1, records: 1, now: 0) else { Issue.record(); return }
        #expect(e2.count == 1)
    }

    @Test func flushIntervalUsesWholeSeconds() {
        var q = queue { $0.flushInterval = 5 }
        _ = q.append(tag: "a", bytes: 1, records: 1, now: 100.9)
        let early = q.enqueueDue(now: 104.99)
        let due = q.enqueueDue(now: 105.0)
        #expect(early.isEmpty && due.count == 1)
    }

    @Test func queuedChunksLimitStopsEnqueueUnlessForced() {
        var q = queue { $0.flushInterval = 1 }
        _ = q.append(tag: "a", bytes: 1, records: 1, now: 0)
        _ = q.append(tag: "b", bytes: 1, records: 1, now: 0)
        let limited = q.enqueueDue(now: 10)
        #expect(limited.count == 1)  // flush_thread_count 1
        let forced = q.enqueueAll(force: true)
        #expect(forced.count == 1)
    }

    @Test func dequeueTakeBackToHeadAndCommit() {
        var q = queue { $0.chunkLimitSize = 10 }
        _ = q.append(tag: "a", bytes: 10, records: 1, now: 0)
        _ = q.append(tag: "b", bytes: 10, records: 1, now: 0)
        let first = q.dequeue()!
        let second = q.dequeue()!
        let back2 = q.takeBack(second.id)
        let back1 = q.takeBack(first.id)
        #expect(back1 && back2)
        #expect(q.queue.map(\.id) == [first.id, second.id])  // head of queue
        let twice = q.takeBack(first.id)
        #expect(!twice)
        let again = q.dequeue()!
        #expect(again.id == first.id)
        let committed = q.commit(again.id)
        #expect(committed)
        #expect(q.queueSize == 10)
        let committedTwice = q.commit(again.id)
        #expect(!committedTwice)
    }

    @Test func overflowActions() {
        func filled(_ action: BufferSettings.OverflowAction) -> BufferQueue {
            var q = queue { $0.chunkLimitSize = 10; $0.queueLimitLength = 2; $0.overflowAction = action }
            _ = q.append(tag: "a", bytes: 10, records: 1, now: 0)
            _ = q.append(tag: "b", bytes: 10, records: 1, now: 0)
            return q
        }
        var t = filled(.throwException)
        #expect(t.settings.effectiveTotalLimitSize == 20)
        let tIsStorable = t.isStorable
        #expect(!tIsStorable)
        guard case .overflow(let logs) = t.append(tag: "c", bytes: 1, records: 1, now: 0) else { Issue.record(); return }
        #expect(logs.first?.message == "failed to write data into buffer by buffer overflow action=:throw_exception")
        var b = filled(.block)
        guard case .mustWait = b.append(tag: "c", bytes: 1, records: 1, now: 0) else { Issue.record(); return }
        let c = b.dequeue()!
        b.commit(c.id)
        #expect(b.isStorable)
        guard case .stored = b.append(tag: "c", bytes: 1, records: 1, now: 0) else { Issue.record(); return }
        var d = filled(.dropOldestChunk)
        let oldest = d.queue.first!.id
        guard case .stored(_, _, let dropped, let logs2) = d.append(tag: "c", bytes: 1, records: 1, now: 0) else { Issue.record(); return }
        #expect(dropped == [oldest])
        #expect(logs2.contains { $0.message.hasPrefix("dropping oldest chunk to make space after buffer overflow chunk_id=") })
    }

    @Test func clearQueueKeepsStagedAndDequeued() {
        var q = queue { $0.chunkLimitSize = 10 }
        _ = q.append(tag: "a", bytes: 10, records: 1, now: 0)
        _ = q.append(tag: "b", bytes: 10, records: 1, now: 0)
        _ = q.append(tag: "c", bytes: 3, records: 1, now: 0)
        let inFlight = q.dequeue()!
        let cleared = q.clearQueue()
        #expect(cleared.count == 1)
        #expect(q.staged.count == 1 && q.dequeued[inFlight.id] != nil)
        #expect(q.flushesAtShutdown)
    }

    @Test func chunkIDLayoutAndAckValue() {
        var rng = SeededRandom(seed: 1)
        let id = ChunkID.generate(now: 1_293_974_055.123456, rng: &rng)
        #expect(id.unixMicroseconds == 1_293_974_055_123_456)
        #expect(id.bytes.count == 16)
        let fixed = ChunkID(bytes: Array(0...15))!
        #expect(fixed.ackValue == "AAECAwQFBgcICQoLDA0ODw==\n")
        #expect(fixed.ackValue.count == 25)
        #expect(fixed.hex == "000102030405060708090a0b0c0d0e0f")
        #expect(ChunkID(bytes: [1, 2]) == nil)
    }
}
