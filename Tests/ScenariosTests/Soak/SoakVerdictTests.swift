import Testing

@testable import Scenarios

/// The soak's verdict logic on synthetic figures: growth, loss and stuck states (docs/soak.md).
@Suite struct SoakVerdictTests {
    static func samples(pid: Int32, ages: StrideTo<Double>, rss: (Double) -> Int, fds: (Double) -> Int = { _ in 30 }) -> [SoakSample] {
        ages.map { SoakSample(t: $0, pid: pid, age: $0, rssKiB: rss($0), hwmKiB: rss($0), fds: fds($0)) }
    }

    @Test("growth: flat memory passes, a leak after warm-up fails, growth during warm-up does not count")
    func growth() throws {
        let flat = try #require(SoakGrowth.measure(Self.samples(pid: 1, ages: stride(from: 0, to: 300, by: 5), rss: { _ in 40_000 }), warmUp: 60))
        #expect(flat.passes && flat.rssPercent == 0)
        // 10 % over the run after warm-up.
        let leak = try #require(SoakGrowth.measure(Self.samples(pid: 1, ages: stride(from: 0, to: 300, by: 5),
                                                               rss: { 40_000 + Int($0 * 16) }), warmUp: 60))
        #expect(!leak.passes && leak.rssPercent > 5, "\(leak)")
        // Start-up growth (first minute) then flat: passes.
        let warm = try #require(SoakGrowth.measure(Self.samples(pid: 1, ages: stride(from: 0, to: 300, by: 5),
                                                               rss: { 20_000 + Int(min($0, 50) * 400) }), warmUp: 60))
        #expect(warm.passes, "\(warm)")
        // A descriptor leak: one more fd every 20 s.
        let fdLeak = try #require(SoakGrowth.measure(Self.samples(pid: 1, ages: stride(from: 0, to: 300, by: 5), rss: { _ in 40_000 },
                                                                 fds: { 30 + Int($0 / 20) }), warmUp: 60))
        #expect(!fdLeak.passes && fdLeak.fdsPercent > 5 && fdLeak.rssPercent == 0)
        // One odd sample at the end does not decide (medians).
        var spike = Self.samples(pid: 1, ages: stride(from: 0, to: 300, by: 5), rss: { _ in 40_000 })
        spike[spike.count - 1].fds = 40
        #expect(try #require(SoakGrowth.measure(spike, warmUp: 60)).passes)
    }

    @Test("growth is judged within the longest incarnation, never from one process to the next")
    func perIncarnation() throws {
        // A short first incarnation with little memory, then a long one that is flat at twice that: a restart, no leak.
        let s = Self.samples(pid: 1, ages: stride(from: 0, to: 120, by: 5), rss: { _ in 20_000 })
            + Self.samples(pid: 2, ages: stride(from: 0, to: 400, by: 5), rss: { _ in 40_000 }).map { var x = $0; x.t += 120; return x }
        let g = try #require(SoakGrowth.measure(s, warmUp: 60))
        #expect(g.pid == 2 && g.passes)
        #expect(g.atWarmUp.map(\.pid) == [1, 2] && g.atWarmUp.map(\.rssKiB) == [20_000, 40_000])
        // Too short to judge: nil, which the report turns into a failure.
        #expect(SoakGrowth.measure(Self.samples(pid: 3, ages: stride(from: 0, to: 70, by: 5), rss: { _ in 1 }), warmUp: 60) == nil)
    }

    @Test("loss: acked events in no ledger count; a chunk a receiver acked and dropped is explained; duplicates are counted")
    func ledger() {
        let acked: [Int64] = Array(0 ..< 100)
        var deliveries: [(seq: Int64?, chunk: String?)] = (0 ..< 100).filter { $0 < 40 || $0 >= 50 }.map { (Int64($0), "c\($0 / 10)") }
        deliveries += [(5, "c0-again"), (6, "c0-again")]
        let unexplained = SoakLedger.measure(acked: acked, deliveries: deliveries, dropped: [])
        #expect(unexplained.lost == 10 && unexplained.unexplainedLost == 10 && unexplained.duplicates == 2)
        #expect(unexplained.lostSample.first == 40)
        let explained = SoakLedger.measure(acked: acked, deliveries: deliveries, dropped: [.init(chunk: "c4", events: 10)])
        #expect(explained.lost == 10 && explained.droppedByReceiver == 10 && explained.unexplainedLost == 0)
        // A dropped chunk that arrived elsewhere after all explains nothing.
        let resent = SoakLedger.measure(acked: acked, deliveries: deliveries, dropped: [.init(chunk: "c3", events: 10)])
        #expect(resent.unexplainedLost == 10)
        #expect(SoakLedger.dropped(fromTarget: "conn#3 127.0.0.1:5 req#5 tag=t events=40 chunk=ZZZ") == .init(chunk: "ZZZ", events: 40))
        // The report fails on unexplained loss only.
        let stuck = SoakStuck(longestGap: 1, gapFrom: 0, gapTo: 1, bound: 12, judgedSeconds: 10)
        let growth = SoakGrowth.measure(Self.samples(pid: 1, ages: stride(from: 0, to: 300, by: 5), rss: { _ in 1 }), warmUp: 60)
        #expect(SoakReport(seed: 1, minutes: 1, ledger: explained, growth: growth, warmUp: 60, stuck: stuck).passed)
        #expect(!SoakReport(seed: 1, minutes: 1, ledger: unexplained, growth: growth, warmUp: 60, stuck: stuck).passed)
    }

    @Test("stuck: a gap counts only while the agent runs and some receiver is healthy")
    func stuck() {
        let every = stride(from: 0.0, through: 100, by: 0.5).filter { !(40 ... 60).contains($0) }
        let r = ["r1", "r2"]
        // A 21 s gap (39.5 to 60.5) with both receivers healthy: stuck.
        let plain = SoakStuck.measure(deliveries: every, range: 0 ... 100, receivers: r, disturbed: [:], agentDown: [], bound: 12)
        #expect(plain.isStuck && plain.longestGap == 21 && plain.gapFrom == 39.5)
        // The same gap while every receiver was faulted: not judged.
        let faulted = SoakStuck.measure(deliveries: every, range: 0 ... 100, receivers: r,
                                        disturbed: ["r1": [38 ... 61], "r2": [39 ... 62]], agentDown: [], bound: 12)
        #expect(!faulted.isStuck, "\(faulted)")
        // One receiver healthy for part of it: the gap counts from when it became healthy (r2 recovers at 45).
        let partly = SoakStuck.measure(deliveries: every, range: 0 ... 100, receivers: r,
                                       disturbed: ["r1": [38 ... 61], "r2": [39 ... 45]], agentDown: [], bound: 12)
        #expect(partly.isStuck && abs(partly.longestGap - 15.5) < 0.01 && partly.gapFrom == 45)
        // The agent down (kill -9 to restart) for the gap: not judged.
        let killed = SoakStuck.measure(deliveries: every, range: 0 ... 100, receivers: r, disturbed: [:], agentDown: [39 ... 60], bound: 12)
        #expect(!killed.isStuck)
        // A gap running to the end of the range counts too.
        let tail = SoakStuck.measure(deliveries: stride(from: 0.0, to: 80, by: 0.5).map { $0 }, range: 0 ... 100, receivers: r, disturbed: [:], agentDown: [], bound: 25)
        #expect(tail.gapTo == 100 && tail.longestGap == 20.5 && !tail.isStuck)
    }
}

/// The windows the stuck check reads from the executed timeline.
@Suite struct SoakWindowTests {
    @Test("a failed restart keeps the agent down until a later restart succeeds")
    func failedRestart() {
        let plan = SoakPlan(seed: 1, duration: 60, steps: [
            .init(at: 10, id: "kill1", category: .kill, action: "agent: kill"),
            .init(at: 12, id: "restart1", category: .restart, action: "agent: restart"),
            .init(at: 30, id: "kill2", category: .kill, action: "agent: kill"),
            .init(at: 32, id: "restart2", category: .restart, action: "agent: restart"),
        ])
        let steps = [
            TimelineEntry(time: 10, planned: 10, id: "kill1", kind: "kill_agent", receiver: nil, summary: ""),
            TimelineEntry(time: 12, planned: 12, id: "restart1", kind: "restart_agent", receiver: nil, summary: "", error: "exited", completed: 12.5),
            TimelineEntry(time: 30, planned: 30, id: "kill2", kind: "kill_agent", receiver: nil, summary: ""),
            TimelineEntry(time: 32, planned: 32, id: "restart2", kind: "restart_agent", receiver: nil, summary: "", completed: 33),
        ]
        let w = SoakRunner.windows(plan: plan, steps: steps, end: 60)
        #expect(w.agentDown == [10 ... 33, 30 ... 33])
    }
}
