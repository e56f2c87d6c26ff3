import Testing

@testable import Agent

/// `ignore_repeated_log_interval` and `ignore_same_log_interval` with the time passed in. The patterns are the ones
/// measured on Fluentd 1.16.9 (`log_level debug`, a heartbeat failing every second, interval 3): with
/// `ignore_same_log_interval 3` the heartbeat failure printed at 0, 4 and 8 s; with `ignore_repeated_log_interval 3` every
/// one printed, because each alternated with `connect new socket` in the same thread.
@Suite struct LogRateLimiterTests {
    @Test("same: a message is dropped while at most the interval has passed since it was last written")
    func same() {
        var l = LogRateLimiter(sameInterval: 3)
        let written = (0...8).filter { t in
            _ = l.admit("connect new socket", at: Double(t))
            return l.admit("failed to send heartbeat packet", at: Double(t))
        }
        #expect(written == [0, 4, 8])
    }

    @Test("repeated: only the previous message counts, and a dropped one does not restart the interval")
    func repeated() {
        var alternating = LogRateLimiter(repeatedInterval: 3)
        let all = (0...8).allSatisfy { t in
            alternating.admit("connect new socket", at: Double(t)) && alternating.admit("failed to send heartbeat packet", at: Double(t))
        }
        #expect(all)
        var l = LogRateLimiter(repeatedInterval: 3)
        let written = (0...8).filter { l.admit("No nodes are available", at: Double($0)) }
        #expect(written == [0, 4, 8])
        let other = l.admit("something else", at: 8.5), again = l.admit("No nodes are available", at: 8.6)
        #expect(other && again)
    }

    @Test("same takes precedence over repeated; no interval admits everything")
    func precedence() {
        var both = LogRateLimiter(repeatedInterval: 100, sameInterval: 1)
        let decisions = [both.admit("a", at: 0), both.admit("a", at: 1), both.admit("a", at: 1.5)]
        #expect(decisions == [true, false, true])
        var none = LogRateLimiter()
        let free = [none.admit("a", at: 0), none.admit("a", at: 0)]
        #expect(!none.isActive && free == [true, true])
    }

    @Test("same: at 1000 messages the expired ones are forgotten, and all of them when none has expired")
    func cacheLimit() {
        var l = LogRateLimiter(sameInterval: 10)
        for i in 0 ..< 1000 { _ = l.admit("m\(i)", at: i < 500 ? 0 : 20) }
        #expect(l.rememberedCount == 1000)
        let new = l.admit("new", at: 20.5)
        #expect(new && l.rememberedCount == 501)  // m0..m499 expired (20.5 - 0 > 10)
        var full = LogRateLimiter(sameInterval: 10)
        for i in 0 ..< 1000 { _ = full.admit("m\(i)", at: 0) }
        let fresh = full.admit("new", at: 1)
        #expect(fresh && full.rememberedCount == 1)
        let forgotten = full.admit("m0", at: 2)
        #expect(forgotten, "forgotten, so written again")
    }
}
