import Capture

extension RunRecord {
    /// Run seconds (the monotonic run clock every other time in the record uses) of a capture timestamp.
    ///
    /// Capture stamps are kernel CLOCK_REALTIME; agent events, ledgers and steps are CLOCK_MONOTONIC. With the
    /// capture's two clock readings the wall stamp is mapped onto the monotonic clock (absorbing NTP slew);
    /// without them (older records) the run's start offset is the best there is.
    /// Real seconds become scenario seconds by dividing by `timeScale` (packets are stamped in real time).
    public func runSeconds(captureNanos: Int64) -> Double {
        if let m = captureClock, startedMonotonicNanos > 0 {
            return m.seconds(wallNanos: captureNanos, sinceMonotonicNanos: Int64(startedMonotonicNanos)) / timeScale
        }
        return Double(captureNanos - startedWallNanos) / 1e9 / timeScale
    }
}
