import Foundation
import Testing

@testable import Scenarios

/// `time_scale` k runs a scenario k times as long in real time with every decision unchanged in scenario time: the
/// agent's heartbeat cadence, detach time and verdicts match the unscaled run.
@Suite(.serialized) struct TimeScaleTests {
    static func run(_ scale: Double) async throws -> ScenarioResult {
        var o = RunOptions()
        o.outDirectory = nil
        o.capture = false
        o.timeScale = scale
        return await ScenarioRunner(options: o).run(try ScenarioLoader.parse(ScenarioTestSupport.failover(name: "t-scaled")))
    }

    static func medianGap(_ times: [Double]) -> Double {
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }.sorted()
        return gaps.isEmpty ? 0 : gaps[gaps.count / 2]
    }

    @Test func quarterScaleGivesTheSameVerdictsInAQuarterOfTheTime() async throws {
        let full = try await Self.run(1)
        let quarter = try await Self.run(0.25)
        let describe = { (r: ScenarioResult) in r.expectations.map { "\($0.status) \($0.statement): \($0.measured)" }.joined(separator: "; ") }
        #expect(full.verdict == .passed, "\(describe(full))")
        #expect(quarter.verdict == full.verdict, "\(describe(quarter))")
        #expect(quarter.expectations.map(\.status) == full.expectations.map(\.status))
        let a = try #require(full.record), b = try #require(quarter.record)
        #expect(b.timeScale == 0.25 && a.timeScale == 1)

        // Scenario time is preserved: same planned schedule, similar run length, detach within one heartbeat interval.
        #expect(a.steps.map(\.planned) == b.steps.map(\.planned))
        #expect(abs(a.duration - b.duration) < 1.5, "\(a.duration) vs \(b.duration)")
        let detachA = try #require(a.agentEvents.first { $0.node == "r1" && $0.isDetach })
        let detachB = try #require(b.agentEvents.first { $0.node == "r1" && $0.isDetach })
        let crashA = try #require(a.stepTime("crash-r1")), crashB = try #require(b.stepTime("crash-r1"))
        #expect(abs((detachA.time - crashA) - (detachB.time - crashB)) <= 0.6,
                "detach after crash: \(detachA.time - crashA) s unscaled, \(detachB.time - crashB) s at 0.25")
        #expect(detachB.cause == "phi")

        // The agent's own timers ran on scenario time: heartbeat ticks every 0.5 scenario seconds.
        let ticks = b.phiSamples.filter { $0.node == "r2" }.map(\.time)
        #expect(ticks.count >= 5, "\(ticks.count) ticks")
        let gap = Self.medianGap(ticks)
        #expect(gap > 0.45 && gap < 0.6, "median tick gap \(gap) scenario seconds")

        // And it really was faster.
        #expect(quarter.wallSeconds < full.wallSeconds * 0.5, "\(quarter.wallSeconds) s vs \(full.wallSeconds) s")
    }
}
