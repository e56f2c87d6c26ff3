/// One ledger event as `GET /receivers/{name}/ledger` returns it.
public struct LedgerEventJSON: Sendable, Codable {
    /// Position in the receiver's ledger (use it as `since`).
    public var index: Int
    /// Which start of the receiver's server accepted it (0 = first; each crash/restart or TLS change adds one).
    public var generation: Int
    public var arrivalMonotonicNanos: UInt64
    public var arrivalWallNanos: Int64
    public var peer: String
    public var tag: String
    /// Event time, seconds since the epoch.
    public var time: Double
    public var chunk: String?
    public var mode: String
    public var seq: Int64?
    public var request: Int
    /// True when the time came as Fluent Bit 5's `[time, metadata]` (`time` is the inner one); absent otherwise.
    public var metadata: Bool?

    init(index: Int, generation: Int, _ e: LedgerEvent) {
        self.index = index
        self.generation = generation
        arrivalMonotonicNanos = e.arrivalMonotonicNanos
        arrivalWallNanos = e.arrivalWallNanos
        peer = e.peer
        tag = e.tag
        time = e.time.unixSeconds
        chunk = e.chunkID
        mode = "\(e.mode)"
        seq = e.seq
        request = e.requestIndex
        if case .withMetadata = e.time { metadata = true }
    }

    enum CodingKeys: String, CodingKey {
        case index, generation, peer, tag, time, chunk, mode, seq, request, metadata
        case arrivalMonotonicNanos = "arrival_monotonic_ns", arrivalWallNanos = "arrival_wall_ns"
    }
}
