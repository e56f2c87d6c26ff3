/// Fluentd's log rate limiting (log.rb `Log#event`, `#ignore_repeated_log?`, `#ignore_same_log?`): a plain value the
/// handler asks before writing each rendered message, with the time passed in so tests drive the clock.
///
/// - `ignore_same_log_interval`: a message equal to one written at most that long ago is dropped, whatever was
///   logged in between; up to 1000 messages are remembered, then the expired ones are forgotten, and if none has
///   expired all are.
/// - `ignore_repeated_log_interval` (only when `ignore_same_log_interval` is unset): a message equal to the previous
///   written one, at most that long after it, is dropped; a dropped message does not restart the interval.
///
/// Fluentd keeps these caches per Ruby thread; the agent keeps one per process (docs/agent-parameters.md, "Logging").
public struct LogRateLimiter: Sendable {
    /// Fluentd's `IGNORE_SAME_LOG_MAX_CACHE_SIZE`.
    public static let sameLogCacheLimit = 1000

    /// `ignore_repeated_log_interval`, seconds.
    public let repeatedInterval: Double?
    /// `ignore_same_log_interval`, seconds; takes precedence over `repeatedInterval`.
    public let sameInterval: Double?
    private var last: (message: String, time: Double)?
    private var seen: [String: Double] = [:]

    public init(repeatedInterval: Double? = nil, sameInterval: Double? = nil) {
        self.repeatedInterval = repeatedInterval
        self.sameInterval = sameInterval
    }

    /// Whether a limit is configured at all (the handler skips the lock otherwise).
    public var isActive: Bool { repeatedInterval != nil || sameInterval != nil }

    /// Whether `message` (the full rendered text, fields included) may be written at `time` (seconds); remembers it
    /// when it may.
    public mutating func admit(_ message: String, at time: Double) -> Bool {
        if let interval = sameInterval {
            if let previous = seen[message] {
                if time - previous <= interval { return false }
                seen[message] = time
                return true
            }
            if seen.count >= Self.sameLogCacheLimit {
                seen = seen.filter { time - $0.value <= interval }
            }
            if seen.count >= Self.sameLogCacheLimit { seen.removeAll() }
            seen[message] = time
            return true
        }
        if let interval = repeatedInterval {
            if let last, last.message == message, time - last.time <= interval { return false }
            last = (message, time)
        }
        return true
    }

    /// Messages remembered by `ignore_same_log_interval` (for tests of the cache limit).
    public var rememberedCount: Int { seen.count }
}
