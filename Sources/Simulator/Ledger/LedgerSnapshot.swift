import ForwardServer

/// Counters of a ledger at one instant (cheap to take).
public struct LedgerSnapshot: Sendable, Hashable {
    public var events: Int
    public var requests: Int
    /// Distinct `chunk` values among accepted requests.
    public var distinctChunks: Int
    /// Accepted requests whose `chunk` had been accepted before (resends that got through twice).
    public var duplicateChunkAccepts: Int
    public var rejections: Int
    public var rejectionsByReason: [IngestRejection.Reason: Int]
}
