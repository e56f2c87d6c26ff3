/// Events the agent's input acked against events in the receivers' ledgers: loss, duplicates, and the loss a
/// receiver caused on purpose (`ack_without_accept` acks a chunk and drops it, docs/faults.md).
public struct SoakLedger: Sendable, Codable, Equatable {
    /// Events the agent's forward input acked (in its file buffer).
    public var acked: Int
    /// Of those, events found in some receiver's ledger.
    public var delivered: Int
    /// Acked events in no ledger.
    public var lost: Int
    /// Events in chunks that a receiver acked without keeping and that never arrived anywhere else: the receiver's
    /// loss, which no agent can see (the agent got its ack).
    public var droppedByReceiver: Int
    /// `lost` that the receivers' faults do not explain: must be 0.
    public var unexplainedLost: Int
    /// Arrivals of an event after its first (resends after an ack timeout, a kill -9 or an ack the agent missed).
    public var duplicates: Int
    /// Delivered events whose input request was never acked (the agent died or the input closed first).
    public var deliveredUnacked: Int
    /// The first lost sequence numbers, for the report.
    public var lostSample: [Int64]

    /// One request a receiver acked without accepting, as its fault log names it.
    public struct Dropped: Sendable, Equatable {
        public var chunk: String?
        public var events: Int
        public init(chunk: String?, events: Int) {
            self.chunk = chunk
            self.events = events
        }
    }

    public static func measure(acked: [Int64], deliveries: [(seq: Int64?, chunk: String?)], dropped: [Dropped]) -> SoakLedger {
        var arrivals: [Int64: Int] = [:]
        var chunks = Set<String>()
        for d in deliveries {
            if let s = d.seq { arrivals[s, default: 0] += 1 }
            if let c = d.chunk { chunks.insert(c) }
        }
        let ackedSet = Set(acked)
        let lostSeqs = ackedSet.filter { arrivals[$0] == nil }.sorted()
        // A dropped chunk that arrived somewhere else after all (resent after a kill -9 before its ack was read) lost
        // nothing; each chunk id counts once.
        var seen = Set<String>()
        var byReceiver = 0
        for d in dropped {
            if let c = d.chunk { guard !chunks.contains(c), seen.insert(c).inserted else { continue } }
            byReceiver += d.events
        }
        let lost = lostSeqs.count
        return SoakLedger(acked: ackedSet.count, delivered: ackedSet.count - lost, lost: lost,
                          droppedByReceiver: min(byReceiver, lost), unexplainedLost: max(0, lost - byReceiver),
                          duplicates: arrivals.values.reduce(0) { $0 + $1 - 1 },
                          deliveredUnacked: arrivals.keys.filter { !ackedSet.contains($0) }.count,
                          lostSample: Array(lostSeqs.prefix(20)))
    }

    /// The request's events and chunk id from a fault-log target (`conn#3 … req#5 tag=t events=40 chunk=ID`).
    static func dropped(fromTarget target: String) -> Dropped? {
        var events: Int?
        var chunk: String?
        for part in target.split(separator: " ") {
            if part.hasPrefix("events=") { events = Int(part.dropFirst("events=".count)) }
            if part.hasPrefix("chunk=") { chunk = String(part.dropFirst("chunk=".count)) }
        }
        return events.map { Dropped(chunk: chunk, events: $0) }
    }
}
