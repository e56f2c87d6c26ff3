/// A chunk written with delayed commit and not yet committed (Fluentd's `DequeuedChunkInfo`).
public struct DequeuedChunk: Sendable, Equatable {
    /// The queue's id for the chunk.
    public var id: ChunkID
    /// Wall time the flush that wrote it started.
    public var flushedAt: AgentSeconds
    /// `delayed_commit_timeout` in force.
    public var timeout: AgentSeconds

    /// `expired?`: strictly more than the timeout has passed.
    public func isExpired(now: AgentSeconds) -> Bool { flushedAt + timeout < now }
}
