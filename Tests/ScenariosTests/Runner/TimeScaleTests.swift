import Foundation
import Testing

@testable import Scenarios

/// `time_scale` k runs a scenario k times as long in real time with every decision unchanged in scenario time: the
/// agent's heartbeat cadence, detach time and verdicts match the unscaled run.
@Suite(.serialized) struct TimeScaleTests {
    static func run(_ scale: Double, _ text: String = ScenarioTestSupport.failover(name: "t-scaled")) async throws -> ScenarioResult {
        var o = RunOptions()
        o.outDirectory = nil
        o.capture = false
        o.timeScale = scale
        return await ScenarioRunner(options: o).run(try ScenarioLoader.parse(text))
    }

    /// No load: the detector sees transport heartbeats only (every 0.5 s). After 4 s the window's weighted mean is
    /// within 0.028 s of 0.5 s whatever the first gap (from floor(configure time)) was, so with phi_threshold 1 the
    /// detach comes at the tick 2.0 s after r1's last heartbeat (Δ must exceed ≈ 1.80–1.93 s), with phi 1.03–1.09.
    static let heartbeatsOnly = """
        name: t-scaled-heartbeats
        seed: 4
        receivers: [r1, r2]
        agent:
          config: |
            <match **>
              @type forward
              heartbeat_type transport
              heartbeat_interval 0.5
              phi_threshold 1
              hard_timeout 5
              connect_timeout 1
              ${servers}
            </match>
        load: {rate: 0, duration: 6.5s}
        timeline:
          - {id: crash-r1, at: 4s, crash: r1}
        drain: 0s
        capture: false
        expectations:
          - detach: {node: r1, after: crash-r1, within: [1.5s, 3.1s], cause: phi}
          - no_detach: {node: r2}
          - heartbeat_cadence: {node: r2, interval: 0.5s, tolerance: 0.5}
        """

    /// The detach comes at the heartbeat tick 2.0 s of scenario time after r1's last heartbeat at both scales, with
    /// phi just above the threshold. The runs are on real sockets: a heartbeat that the scheduler delays (a loaded CI
    /// machine) lengthens the detector's mean so much that phi at 2.0 s stays under 1 and the detach moves to the
    /// next tick, 2.5 s. One tick of slack is allowed; a scaling bug would be off by a factor of 4 (0.5 s or 8 s).
    @Test func detachTimingIsTheSameInScenarioTime() async throws {
        var figures: [(gap: Double, phi: Double)] = []
        for scale in [1, 0.25] {
            let r = try await Self.run(scale, Self.heartbeatsOnly)
            #expect(r.verdict == .passed, "scale \(scale): \(r.expectations.map { "\($0.status) \($0.statement): \($0.measured)" })")
            let record = try #require(r.record)
            let crash = try #require(record.stepTime("crash-r1"))
            let detach = try #require(record.agentEvents.first { $0.node == "r1" && $0.isDetach })
            let last = try #require(record.observations["r1"]?.filter { $0.kind == "accept" && $0.time <= crash }.last?.time)
            figures.append((detach.time - last, try #require(detach.phi)))
        }
        for (gap, phi) in figures {
            #expect(abs(gap - 2.0) < 0.1 || abs(gap - 2.5) < 0.1, "detach \(gap) s after the last heartbeat (expected the 2.0 s tick, or 2.5 s)")
            #expect(phi > 1.0, "phi at detach \(phi) is above phi_threshold 1")
            if abs(gap - 2.0) < 0.1 { #expect(phi < 1.1, "phi at the 2.0 s tick \(phi)") }
        }
        // On the same tick, the same phi (within the jitter of the real heartbeats).
        if abs(figures[0].gap - figures[1].gap) < 0.1 { #expect(abs(figures[0].phi - figures[1].phi) < 0.06, "\(figures)") }
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

        // Scenario time is preserved: same planned schedule and a similar run length. (Detach times are compared on
        // the heartbeat-only scenario below: here data sends count as detector samples, so they vary run to run.)
        #expect(a.steps.map(\.planned) == b.steps.map(\.planned))
        #expect(abs(a.duration - b.duration) < 1.5, "\(a.duration) vs \(b.duration)")
        // The agent's own timers ran on scenario time: heartbeat ticks every 0.5 scenario seconds.
        let ticks = b.phiSamples.filter { $0.node == "r2" }.map(\.time)
        #expect(ticks.count >= 5, "\(ticks.count) ticks")
        let gap = Self.medianGap(ticks)
        #expect(gap > 0.45 && gap < 0.6, "median tick gap \(gap) scenario seconds")

        // And it really was faster.
        #expect(quarter.wallSeconds < full.wallSeconds * 0.5, "\(quarter.wallSeconds) s vs \(full.wallSeconds) s")
    }

    /// heartbeat_blackout times its windows on the simulator's real clock; at scale 0.5 its parameters are stretched
    /// so the window still covers the same scenario seconds: UDP heartbeats from 2 s + 0.5 s to 2 s + 2 s go
    /// unanswered, the ones before and after are answered.
    @Test func blackoutWindowsKeepTheirScenarioTimes() async throws {
        let text = """
            name: t-scaled-blackout
            seed: 8
            time_scale: 0.5
            receivers: [r1, r2]
            agent:
              config: |
                <match **>
                  @type forward
                  heartbeat_type udp
                  heartbeat_interval 0.2
                  phi_threshold 16
                  ${servers}
                </match>
            load: {rate: 0, duration: 5s}
            timeline:
              - {id: dark, at: 2s, apply: {receiver: r1, kind: heartbeat_blackout, params: {offset: 0.5s, length: 1.5s}}}
            drain: 0s
            capture: false
            expectations:
              - no_detach: {node: r2}
            """
        let r = try await Self.run(0.5, text)
        #expect(r.verdict == .passed, "\(r.expectations.map { "\($0.status) \($0.statement): \($0.measured)" })")
        let udp = try #require(r.record?.observations["r1"]).filter { $0.kind == "udp" }
        let dropped = udp.filter { $0.answeredAt == nil }.map(\.time)
        #expect(dropped.count >= 5, "heartbeats dropped at \(dropped)")
        // 0.05 s of slack for scheduling at either edge (heartbeats come every 0.2 scenario seconds).
        #expect(dropped.allSatisfy { $0 >= 2.45 && $0 <= 4.05 }, "heartbeats dropped at \(dropped)")
        #expect(udp.contains { $0.answeredAt != nil && $0.time > 2.0 && $0.time < 2.45 }, "answered before the window")
        #expect(udp.contains { $0.answeredAt != nil && $0.time > 4.05 }, "answered after the window")
    }
}
