/// What a scheduled simulation event does.
enum SimulationEventKind: UInt8, Sendable {
    /// The heartbeat timer fires (send probes; UDP ticks at once).
    case heartbeatTimer
    /// A UDP heartbeat reply arrives.
    case udpReply
    /// A transport heartbeat's connect finished (`value` 1 = success); the tick runs now.
    case connectDone
    /// A buffer flush: send if there is data and the node is available.
    case flush
    /// A receiver stall begins (`value` = its end time).
    case stallStart
    /// A receiver stall ends.
    case stallEnd
    /// The receiver dies.
    case death
}

/// One scheduled event; `seq` orders events at equal times first-scheduled-first.
struct SimulationEvent: Sendable {
    var time: Double
    var seq: UInt64
    var kind: SimulationEventKind
    var value: Double
}

/// A binary min-heap of events kept in one reusable array (no allocation once warmed up).
struct EventQueue: Sendable {
    private var heap: [SimulationEvent] = []
    private var nextSeq: UInt64 = 0

    init(capacity: Int = 64) { heap.reserveCapacity(capacity) }

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    /// Empties the queue, keeping its storage.
    mutating func removeAll() {
        heap.removeAll(keepingCapacity: true)
        nextSeq = 0
    }

    mutating func push(_ time: Double, _ kind: SimulationEventKind, _ value: Double = 0) {
        let e = SimulationEvent(time: time, seq: nextSeq, kind: kind, value: value)
        nextSeq &+= 1
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) >> 1
            guard Self.less(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the earliest event.
    mutating func pop() -> SimulationEvent? {
        guard !heap.isEmpty else { return nil }
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            let n = heap.count
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                let r = l + 1
                let c = r < n && Self.less(heap[r], heap[l]) ? r : l
                guard Self.less(heap[c], heap[i]) else { break }
                heap.swapAt(i, c)
                i = c
            }
        }
        return top
    }

    @inline(__always)
    private static func less(_ a: SimulationEvent, _ b: SimulationEvent) -> Bool {
        a.time < b.time || (a.time == b.time && a.seq < b.seq)
    }
}
