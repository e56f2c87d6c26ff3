/// How a ledger stores what a receiver accepts.
public struct LedgerSettings: Sendable {
    /// Record field holding the sender's sequence number (read as an integer, without decoding the record).
    public var sequenceField: String
    /// Keep every event in memory (off: only counts, per-chunk accept counts and rejections).
    public var storeEvents: Bool
    /// Keep each event's encoded record too (costs an allocation per event; off by default).
    public var keepRecords: Bool
    /// Also stream every event as one JSON line to this file (written off the event loop).
    public var jsonLinesPath: String?
    /// Write each request's lines before the ledger call returns (so before its ack is sent) instead of on the
    /// writer thread: what was acked is in the file even if the process is killed the next instant.
    public var jsonLinesSynchronous = false
    /// How many rejection details to keep (counts by reason are always complete).
    public var recentRejectionLimit: Int

    public init(sequenceField: String = "seq", storeEvents: Bool = true, keepRecords: Bool = false,
                jsonLinesPath: String? = nil, recentRejectionLimit: Int = 1000) {
        self.sequenceField = sequenceField
        self.storeEvents = storeEvents
        self.keepRecords = keepRecords
        self.jsonLinesPath = jsonLinesPath
        self.recentRejectionLimit = recentRejectionLimit
    }
}
