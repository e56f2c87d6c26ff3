import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

@Suite struct RetryScheduleTests {
    private func noRandom(_ tweak: (inout RetrySettings) -> Void = { _ in }) -> RetrySchedule {
        var s = RetrySettings()
        s.randomize = false
        tweak(&s)
        return RetrySchedule(settings: s, rng: SeededRandom(seed: 1))
    }

    /// Fails at every scheduled time until the limit; returns (failure times relative to start, final decision).
    private func runToLimit(_ r: inout RetrySchedule, start: Double = 0) -> ([Double], RetryDecision?) {
        var now = start
        var times: [Double] = []
        for _ in 0..<10_000 {
            let d = r.recordFailure(now: now)
            times.append(now - start)
            switch d {
            case .retryAt(let t, _): now = t
            case .limitReached: return (times, d)
            }
        }
        return (times, nil)
    }

    /// Replay: the same run seed draws the same jittered retry times; another seed draws others.
    @Test func seededJitterStreamReplays() {
        func times(seed: UInt64) -> [Double] {
            var r = RetrySchedule(settings: RetrySettings(), rng: SeededRandom.stream(.retryJitter, seed: seed))
            return runToLimit(&r).0
        }
        #expect(times(seed: 42) == times(seed: 42))
        #expect(times(seed: 42) != times(seed: 43))
        #expect(times(seed: 42).count == 19)  // 18 retries and the failure that hits the limit
    }

    @Test func defaultsGiveEighteenRetriesEndingAt72Hours() {
        var r = noRandom()
        let (times, last) = runToLimit(&r, start: 1_000)
        #expect(last == .limitReached(steps: 18))
        #expect(times.count == 19)  // first failure + 18 retries
        #expect(times[1] == 1)  // first retry after retry_wait, not randomised
        #expect(times[2] == 3 && times[3] == 7)
        #expect(times.last.map { ($0 - 72 * 3600).magnitude < 1e-6 } == true, "last retry \(String(describing: times.last?.bitPattern))")
        #expect(r.state == nil)
    }

    @Test func firstRetryIsNotRandomisedLaterOnesAre() {
        var r = RetrySchedule(settings: RetrySettings(), rng: SeededRandom(seed: 99))
        #expect(r.recordFailure(now: 0) == .retryAt(1, steps: 0))
        for _ in 0..<10 {
            guard case .retryAt(let t, let steps) = r.recordFailure(now: r.nextRetryTime ?? 0) else { Issue.record("limit"); return }
            let now = t  // next failure happens at the scheduled time
            _ = now
            #expect(steps >= 1)
        }
        // Check the factor bounds directly on a fresh sequence.
        var q = RetrySchedule(settings: RetrySettings(), rng: SeededRandom(seed: 5))
        _ = q.recordFailure(now: 0)
        for k in 1...12 {
            let now = q.nextRetryTime ?? 0
            guard case .retryAt(let t, _) = q.recordFailure(now: now) else { return }
            let base = pow2(k)
            #expect(t - now >= base * 0.875 - 1e-9 && t - now <= base * 1.125 + 1e-9)
        }
    }

    private func pow2(_ k: Int) -> Double { Double(1 << k) }

    @Test func maxIntervalCapsBackoff() {
        var r = noRandom { $0.maxInterval = 10 }
        _ = r.recordFailure(now: 0)
        var now = 1.0
        var gaps: [Double] = []
        for _ in 0..<8 {
            guard case .retryAt(let t, _) = r.recordFailure(now: now) else { break }
            gaps.append(t - now)
            now = t
        }
        #expect(gaps == [2, 4, 8, 10, 10, 10, 10, 10])
    }

    @Test func retryMaxTimesAndPeriodic() {
        var r = noRandom { $0.maxTimes = 3; $0.type = .periodic; $0.wait = 5 }
        let (times, last) = runToLimit(&r)
        #expect(times == [0, 5, 10, 15])
        #expect(last == .limitReached(steps: 3))
    }

    @Test func earlyFailureDoesNotStep() {
        var r = noRandom()
        _ = r.recordFailure(now: 0)
        #expect(r.recordFailure(now: 0.5) == .retryAt(1.5, steps: 0))  // recalc only
        #expect(r.state?.steps == 0)
    }

    @Test func retryForeverNeverLimits() {
        var r = noRandom { $0.forever = true; $0.maxTimes = 2; $0.maxInterval = 3600 }
        let (times, last) = runToLimit(&r)
        #expect(last == nil)
        #expect(times.count == 10_000)
    }

    @Test func successClearsState() {
        var r = noRandom()
        #expect(r.recordSuccess() == false)
        _ = r.recordFailure(now: 0)
        #expect(r.recordSuccess() == true)
        #expect(r.nextRetryTime == nil)
    }

    @Test func secondaryAfterEightyPercent() {
        var r = noRandom { $0.hasSecondary = true }
        _ = r.recordFailure(now: 0)
        #expect(r.state?.secondaryTransitionAt == 72 * 3600 * 0.8)  // 57.6 h
        #expect(!r.usesSecondary(now: 57 * 3600))
        #expect(r.usesSecondary(now: 57.6 * 3600))
        // With retry_max_times the transition uses the sum of the first N intervals: 1+2+4+8 = 15 → 12.
        var m = noRandom { $0.hasSecondary = true; $0.maxTimes = 4 }
        _ = m.recordFailure(now: 100)
        #expect(m.state?.secondaryTransitionAt == 112)
        // Primary steps are capped at the transition; the secondary sequence restarts from retry_wait.
        var p = noRandom { $0.hasSecondary = true; $0.timeout = 100 }
        _ = p.recordFailure(now: 0)
        var now = 0.0
        var targets: [RetrySchedule.Target] = []
        var times: [Double] = []
        for _ in 0..<9 {
            guard case .retryAt(let t, _) = p.recordFailure(now: p.nextRetryTime ?? now) else { break }
            now = t
            times.append(t)
            targets.append(p.state?.current ?? .primary)
        }
        #expect(times.prefix(8) == [3, 7, 15, 31, 63, 80, 81, 83])
        #expect(targets.contains(.secondary))
        #expect(p.usesSecondary(now: 80))
    }
}
