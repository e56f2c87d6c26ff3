/// One receiver under comparison: real Fluentd's in_forward or the fwdlab receiver.
protocol DifferentialSide: AnyObject {
    /// `fluentd` or `fwdlab`, for messages.
    var label: String { get }
    /// The port to connect to, starting (or restarting after a death) the receiver first when it is not running.
    func ensureRunning() async throws -> Int
    /// Whether the receiver is alive right now (a process that exited, or a stopped in-process receiver, is not).
    func isAlive() -> Bool
    /// Waits (bounded) until an event tagged `sentinelTag` was emitted; returns the tags of the events emitted
    /// since the previous barrier, the probe's and the sentinels' left out. Nil when the sentinel never showed up.
    func events(untilSentinel sentinelTag: String, timeout: Double) async -> [String]?
    /// Stops the receiver for good.
    func shutdown() async
}
