import Testing

@testable import Scenarios

/// `within: predicted` under traffic: the detector replayed on what the receivers saw (heartbeat answers and data
/// requests) at the ticks the other receivers saw (docs/scenarios.md, "within: predicted").
@Suite struct ObservedDetachPredictionTests {
    /// r1 and r2 get a heartbeat every `h` from `h` on; r1 also a data request `sendOffset` after each one when
    /// given; r1 dies just after its last heartbeat at `death`.
    static func record(h: Double, death: Double, sendOffset: Double?, heartbeatType: String = "udp") -> RunRecord {
        var r = RunRecord(scenario: "t-predict", seed: 1)
        r.heartbeatInterval = h
        r.heartbeatType = heartbeatType
        let kind = heartbeatType == "udp" ? "udp" : "accept"
        var t = h, request = 0
        while t < death + 80 {
            r.observations["r2", default: []].append(ReceiverObservation(kind: kind, time: t + 0.0005, answeredAt: t + 0.0005))
            if t <= death {
                r.observations["r1", default: []].append(ReceiverObservation(kind: kind, time: t, answeredAt: t))
                if let o = sendOffset, t + o < death {
                    r.deliveries.append(Delivery(time: t + o, receiver: "r1", seq: Int64(request), chunk: nil, request: request))
                    request += 1
                }
            }
            t += h
        }
        r.steps = [TimelineEntry(time: death + 0.001, planned: death, id: "crash", kind: "crash", receiver: "r1", summary: "crash r1", error: nil)]
        return r
    }

    static let fluentdDefaults = RunRecord.IntendedDetector(heartbeatInterval: 1, phiThreshold: 16, phiFailureDetector: true, hardTimeout: 60)

    @Test func idleNodeGivesTheClosedForm() throws {
        let r = Self.record(h: 1, death: 100, sendOffset: nil)
        let p = try #require(ObservedDetachPrediction.predict(node: "r1", step: 100.001, settings: Self.fluentdDefaults, record: r))
        let formula = DetectionPredictor.fluentdIdleFormula(heartbeatInterval: 1, phiThreshold: 16)
        #expect(p.lastSample == 100)
        #expect(abs(p.tick - (100 + formula + 0.0005)) < 1e-6)  // the tick as r2 saw it: 37 s after the last heartbeat
        #expect(p.cause == "phi")
        #expect(p.gridObserved)
    }

    @Test func sendsShortenDetectionAsTheDocsSay() throws {
        // docs/forward-protocol.md, "Detection time": a send 0.1 s after each 1 s heartbeat gives gaps 0.9/0.1,
        // m = 0.5, and a detach 19 s after the last arrival (the send at 99.1 s, here: the last heartbeat is 99 s).
        let r = Self.record(h: 1, death: 99.5, sendOffset: 0.1)
        let p = try #require(ObservedDetachPrediction.predict(node: "r1", step: 99.501, settings: Self.fluentdDefaults, record: r))
        #expect(abs(p.lastSample - 99.1) < 1e-9)
        #expect(abs(p.tick - (99 + 19 + 0.0005)) < 1e-6)
    }

    @Test func dataConnectionsAreNotHeartbeats() throws {
        // Transport heartbeats: each data request also opened a connection. Counted as heartbeats they would add
        // short gaps and bring the detach forward; marked `carriedData`, they are only the request's sample.
        var r = Self.record(h: 1, death: 99.5, sendOffset: 0.1, heartbeatType: "transport")
        let sends = r.deliveries.map(\.time)
        for s in sends { r.observations["r1", default: []].append(ReceiverObservation(kind: "accept", time: s - 0.0002, answeredAt: s - 0.0002, carriedData: true)) }
        let p = try #require(ObservedDetachPrediction.predict(node: "r1", step: 99.501, settings: Self.fluentdDefaults, record: r))
        #expect(abs(p.tick - (99 + 19 + 0.0005)) < 1e-6)
        for s in sends { r.observations["r1", default: []].append(ReceiverObservation(kind: "accept", time: s - 0.0002, answeredAt: s - 0.0002)) }
        let wrong = try #require(ObservedDetachPrediction.predict(node: "r1", step: 99.501, settings: Self.fluentdDefaults, record: r))
        #expect(wrong.tick < p.tick)
    }

    @Test func anAgentConfiguredAfterTheStartDetectsSooner() throws {
        // A CI run at time_scale 0.25: the agent was configured 0.171 scenario seconds after the start and its
        // heartbeats reached r1 at 1.18 s … 9.18 s. A detector whose first gap ran from 0 gives the weighted mean
        // (1 + 2·1.18 + 52) / 55 = 1.0065 s, so phi passes 16 only 38 s after the last heartbeat; one configured at
        // 0.171 (floor on the agent's own clock, anywhere up to its start) has a first gap near 1.0 s and fired at
        // 37 s, phi 16.036. The window must reach that earlier tick, and only because the agent started late.
        var r = Self.record(h: 1, death: 9, sendOffset: nil, heartbeatType: "transport")
        for k in r.observations.keys { r.observations[k] = r.observations[k]!.map { var o = $0; o.time += 0.18; o.answeredAt = o.answeredAt.map { $0 + 0.18 }; return o } }
        let onTime = try #require(ObservedDetachPrediction.predict(node: "r1", step: 10, settings: Self.fluentdDefaults, record: r))
        #expect(abs(onTime.tick - 47.1805) < 1e-6)
        r.agentEvents = [AgentEventEntry(time: 0.171, node: "", event: .started)]
        let late = try #require(ObservedDetachPrediction.predict(node: "r1", step: 10, settings: Self.fluentdDefaults, record: r))
        #expect(abs(late.tick - 46.1805) < 1e-6)
        #expect(late.lastTick >= onTime.tick)
    }

    @Test func hardTimeoutWhenPhiIsOff() throws {
        let s = RunRecord.IntendedDetector(heartbeatInterval: 1, phiThreshold: 16, phiFailureDetector: false, hardTimeout: 5)
        let r = Self.record(h: 1, death: 50, sendOffset: nil)
        let p = try #require(ObservedDetachPrediction.predict(node: "r1", step: 50.001, settings: s, record: r))
        #expect(p.cause == "hard_timeout")
        #expect(abs(p.tick - 55.0005) < 1e-6)  // the first tick with Δ > 5 s (strictly): r2 saw it 0.5 ms after 55 s
        // Δ there exceeds 5 s by only 0.5 ms, inside the arrival uncertainty: the next tick is in the window too.
        #expect(abs(p.lastTick - 56.0005) < 1e-6)
    }

    @Test func theUncertaintyAlsoReachesAnEarlierTick() throws {
        // Δ at the 55 s tick is 5.0005 s, just short of a 5.0008 s hard_timeout: the receivers' stamps cannot rule
        // out that the agent's last sample was a little earlier, so that tick is in the window as well as 56 s.
        let s = RunRecord.IntendedDetector(heartbeatInterval: 1, phiThreshold: 16, phiFailureDetector: false, hardTimeout: 5.0008)
        let p = try #require(ObservedDetachPrediction.predict(node: "r1", step: 50.2, settings: s, record: Self.record(h: 1, death: 50, sendOffset: nil)))
        #expect(abs(p.tick - 55.0005) < 1e-6)
        #expect(abs(p.lastTick - 56.0005) < 1e-6)
    }

    @Test func aHeartbeatCountedAtTheStepMovesTheBoundToo() throws {
        // hard_timeout 2 s = 4 ticks of 0.5 s; r1's last answer at 1.5 s, the crash at 2.0001 s as the timer runs
        // (r2 saw it at 2.0005 s). Not counted: Δ > 2 s first at 3.5005 s. Counted (the kernel completed the connect
        // before the listener closed): Δ from 2.0005 s is 2 s at 4.0005 s, not more, so 4.5005 s; that tick is more
        // than hard_timeout + 2h after 1.5 s, and the window must still reach it (a CI run detached there).
        let s = RunRecord.IntendedDetector(heartbeatInterval: 0.5, phiThreshold: 16, phiFailureDetector: false, hardTimeout: 2)
        let r = Self.record(h: 0.5, death: 1.5, sendOffset: nil, heartbeatType: "transport")
        let p = try #require(ObservedDetachPrediction.predict(node: "r1", step: 2.0001, settings: s, record: r))
        #expect(abs(p.tick - 3.5005) < 1e-6)
        #expect(abs(p.lastTick - 4.5005) < 1e-6)
    }

    @Test func unansweredConnectionsDoNotMarkTimerRuns() throws {
        // Over TLS a chunk's connect whose handshake fails reaches the receiver as an accept nobody answered, at a
        // flush's time, not the heartbeat timer's: taken as runs they would put false ticks 0.9 s into each second.
        var r = Self.record(h: 1, death: 100, sendOffset: nil, heartbeatType: "transport")
        let clean = try #require(ObservedDetachPrediction.predict(node: "r1", step: 100.2, settings: Self.fluentdDefaults, record: r))
        for t in stride(from: 100.9, to: 180, by: 1.0) { r.observations["r3", default: []].append(ReceiverObservation(kind: "accept", time: t, answeredAt: nil)) }
        let p = try #require(ObservedDetachPrediction.predict(node: "r1", step: 100.2, settings: Self.fluentdDefaults, record: r))
        #expect(p.tick == clean.tick)
        #expect(abs(p.tick - (137 + 0.0005)) < 1e-6)  // the first tick with Δ > 36.84 s
        // Answered, the same connections would be heartbeats of a third receiver and would move the grid.
        for i in r.observations["r3"]!.indices { r.observations["r3"]![i].answeredAt = r.observations["r3"]![i].time }
        let answered = try #require(ObservedDetachPrediction.predict(node: "r1", step: 100.2, settings: Self.fluentdDefaults, record: r))
        #expect(abs(answered.tick - 136.9) < 1e-6)
    }

    @Test func ticksAreExtrapolatedWithoutAnotherReceiver() throws {
        var r = Self.record(h: 1, death: 100, sendOffset: nil)
        r.observations["r2"] = nil
        let p = try #require(ObservedDetachPrediction.predict(node: "r1", step: 100.001, settings: Self.fluentdDefaults, record: r))
        #expect(!p.gridObserved)
        #expect(abs(p.tick - 137) < 1e-6)
    }

    @Test func aConnectionHeartbeatAtTheStepMayOrMayNotHaveCounted() throws {
        // hard_timeout 4.7 s: no tick is within the 10 ms arrival uncertainty of it.
        let s = RunRecord.IntendedDetector(heartbeatInterval: 1, phiThreshold: 16, phiFailureDetector: false, hardTimeout: 4.7)
        var r = Self.record(h: 1, death: 50, sendOffset: nil, heartbeatType: "transport")
        // r1 accepted the 50 s heartbeat 1 ms before the crash: the reset may have reached the agent (or cut its TLS
        // handshake) before it counted the connect. The window spans both predictions.
        let seen = try #require(ObservedDetachPrediction.predict(node: "r1", step: 50.001, settings: s, record: r))
        #expect(abs(seen.tick - 54.0005) < 1e-6)      // not counted: more than 4.7 s after 49 s
        #expect(abs(seen.lastTick - 55.0005) < 1e-6)  // counted
        // Long enough before the step, the connect had time to finish: no doubt.
        let early = try #require(ObservedDetachPrediction.predict(node: "r1", step: 50.2, settings: s, record: r))
        #expect(abs(early.tick - 55.0005) < 1e-6)
        #expect(early.tick == early.lastTick)
        // The mirror case: the timer ran at the step (r2 saw it), r1 never accepted, yet the kernel may have
        // completed the agent's connect.
        r.observations["r1"]?.removeAll { $0.time == 50 }
        let unseen = try #require(ObservedDetachPrediction.predict(node: "r1", step: 50.001, settings: s, record: r))
        #expect(abs(unseen.tick - 54.0005) < 1e-6)
        #expect(abs(unseen.lastTick - 55.0005) < 1e-6)
        // UDP: a reply the receiver sent is one the agent gets; there is no such doubt.
        let udp = try #require(ObservedDetachPrediction.predict(node: "r1", step: 50.001, settings: s, record: Self.record(h: 1, death: 50, sendOffset: nil)))
        #expect(udp.tick == udp.lastTick)
    }

    static func verdict(detachedAt: Double, _ r: RunRecord) throws -> ExpectationResult.Status {
        var r = r
        r.phiThreshold = 16
        r.agentEvents = [AgentEventEntry(time: detachedAt, node: "r1", event: .detached, cause: "phi")]
        let s = try ScenarioLoader.parse("""
        name: t-predict
        receivers: [r1, r2]
        agent: {config: "<match **>\\n  @type forward\\n  ${servers}\\n</match>"}
        timeline:
          - {id: crash, at: 99.5s, crash: r1}
        expectations:
          - detach: {node: r1, after: crash, since: last_arrival, within: predicted, cause: phi}
        """)
        return ExpectationEvaluator.evaluate(s.expectations, record: r)[0].status
    }

    @Test func theWindowIsTheTickWithinTheSlack() throws {
        let r = Self.record(h: 1, death: 99.5, sendOffset: 0.1)
        #expect(try Self.verdict(detachedAt: 118.001, r) == .pass)
        // One tick early or late (an idle-formula detector would be 18 s late) fails.
        #expect(try Self.verdict(detachedAt: 117.001, r) == .fail)
        #expect(try Self.verdict(detachedAt: 119.001, r) == .fail)
        #expect(try Self.verdict(detachedAt: 118.04, r) == .fail)
    }
}
