#if canImport(Glibc)
import Glibc
#endif

/// Polls `condition` until it holds or `seconds` pass: bounded in time, and in count by the poll interval. True when
/// the condition held. The one polling helper of every test target (a deadline from the condition's own clock is
/// better still; this is for state another thread or process changes).
public func pollUntil(seconds: Double, every interval: Duration = .milliseconds(5),
                      _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + .nanoseconds(Int64(seconds * 1e9))
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

/// `pollUntil` for code that cannot await: the calling thread sleeps between polls.
public func pollUntilBlocking(seconds: Double, everyMicroseconds interval: UInt32 = 1000, _ condition: () -> Bool) -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + .nanoseconds(Int64(seconds * 1e9))
    while clock.now < deadline {
        if condition() { return true }
        usleep(interval)
    }
    return condition()
}
