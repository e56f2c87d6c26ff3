/// What monitor_agent reports for an output plugin, with Fluentd's meanings (lib/fluent/plugin/output.rb
/// `statistics`, buffer.rb `statistics`, out_forward.rb `statistics`; docs/agent-parameters.md, "`<source> @type
/// monitor_agent`").
public struct OutputMonitorFigures: Sendable, Equatable {
    /// Queued chunks (not staged, not dequeued).
    public var bufferQueueLength = 0
    public var bufferStageLength = 0
    public var bufferStageByteSize = 0
    public var bufferQueueByteSize = 0
    /// The limit the available-space ratio is taken against.
    public var bufferTotalLimitSize = 0
    /// Fluentd's `num_errors`: failed flushes and emits refused by an overflow.
    public var retryCount = 0
    /// Emit calls, whatever their outcome, and the records that were stored.
    public var emitCount = 0
    public var emitRecords = 0
    /// try_flush calls that took a chunk.
    public var writeCount = 0
    /// Chunks taken back to the queue.
    public var rollbackCount = 0
    public var slowFlushCount = 0
    /// Milliseconds spent in successful writes.
    public var flushTimeCount = 0
    public var healthyNodes = 0
    public var registeredNodes = 0
    /// The retry state while one runs.
    public var retry: Retry?

    /// A running retry: when it began, its steps, the next attempt (wall seconds since the epoch).
    public struct Retry: Sendable, Equatable {
        public var start: Double
        public var steps: Int
        public var nextTime: Double
    }

    public init() {}

    /// Staged plus queued bytes.
    public var bufferTotalQueuedSize: Int { bufferStageByteSize + bufferQueueByteSize }

    /// Free share of the buffer in percent, rounded to one decimal as Fluentd's.
    public var availableBufferSpaceRatio: Double {
        guard bufferTotalLimitSize > 0 else { return 100 }
        return ((1 - Double(bufferTotalQueuedSize) / Double(bufferTotalLimitSize)) * 1000).rounded() / 10
    }
}
