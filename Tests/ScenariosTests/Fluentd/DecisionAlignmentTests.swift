import Agent
import Testing

@testable import Scenarios

/// Aligning two decision streams: n-th occurrence with n-th occurrence, per node and cause, judged per kind.
struct DecisionAlignmentTests {
    static let tol = DecisionAlignment.Tolerances(heartbeatTick: 0.5, ackCheck: 0.5, flushThread: 1)

    static func e(_ t: Double, _ node: String, _ event: String, _ cause: String? = nil) -> AgentEventEntry {
        AgentEventEntry(time: t, node: node, event: AgentEventKind(rawValue: event)!, cause: cause)
    }

    @Test func tolerancesFollowFluentdsPeriods() {
        #expect(Self.tol.tolerance(event: .detached, cause: "phi") == 0.5)
        #expect(Self.tol.tolerance(event: .disabled, cause: "ack_timeout") == 0.5)
        #expect(Self.tol.tolerance(event: .chunkRetry, cause: nil) == 1)
    }

    /// The ack-check tolerance is the ack reader's real pass, after Fluentd overwrites delayed_commit_timeout with
    /// ack_response_timeout + 2 (so 1.5 s gives a 1 s pass, not 0.5 s), and ack_response_timeout / 3 only when the
    /// buffer's delayed_commit_timeout equals it.
    @Test func ackCheckToleranceIsTheAckReadersPass() {
        func check(ack: Double, delayedCommit: Double) -> Double {
            var f = ForwarderSettings()
            f.requireAckResponse = true
            f.ackResponseTimeout = ack
            f.delayedCommitTimeout = delayedCommit
            var record = RunRecord(scenario: "ack-check", seed: 1)
            record.ackCheckInterval = f.ackCheckInterval
            return DecisionAlignment.Tolerances(record).ackCheck
        }
        #expect(check(ack: 1.5, delayedCommit: 60) == 1)
        #expect(check(ack: 1.5, delayedCommit: 1.5) == 0.5)
        #expect(abs(check(ack: 0.7, delayedCommit: 60) - 0.9) < 1e-9, "0.7 + 2 = 2.7 ≤ 3: a third of it")
        #expect(check(ack: 190, delayedCommit: 60) == 1)
    }

    @Test func withinToleranceAgreesBeyondItDiverges() {
        let a = [Self.e(4.0, "r1", "detached", "phi"), Self.e(4.0, "r3", "standby_promoted"), Self.e(9, "r1", "recovered", "recovered")]
        let f = [Self.e(4.4, "r1", "detached", "phi"), Self.e(5.0, "r3", "standby_promoted")]
        let d = DecisionAlignment.align(agent: a, fluentd: f, tolerances: Self.tol, known: FidelitySpec())
        #expect(d.map(\.key) == ["r1 detached(phi) #1", "r3 standby_promoted #1", "r1 recovered #1"])
        #expect(d.map(\.status) == [.agree, .diverge, .diverge])
        #expect(abs(d[0].difference! + 0.4) < 1e-9 && d[1].difference == -1)
        #expect(d[2].fluentdTime == nil && d[2].agentTime == 9, "a decision on one side only diverges")
    }

    @Test func causesAndOccurrencesAreAlignedSeparately() {
        let a = [Self.e(1, "r1", "disabled", "ack_timeout"), Self.e(2, "r1", "disabled", "ack_timeout"), Self.e(3, "", "chunk_retry")]
        let f = [Self.e(1.1, "r1", "disabled", "ack_timeout"), Self.e(1.5, "r1", "detached", "phi"), Self.e(3.9, "", "chunk_retry")]
        let d = DecisionAlignment.align(agent: a, fluentd: f, tolerances: Self.tol, known: FidelitySpec())
        let byKey = Dictionary(uniqueKeysWithValues: d.map { ($0.key, $0) })
        #expect(byKey["r1 disabled(ack_timeout) #1"]?.status == .agree)
        #expect(byKey["r1 disabled(ack_timeout) #2"]?.fluentdTime == nil)
        #expect(byKey["r1 detached(phi) #1"]?.agentTime == nil)
        #expect(byKey["agent chunk_retry #1"]?.status == .agree, "0.9 s within one flush-thread wake-up")
        // Events that are not decisions (chunk traffic) are not aligned.
        #expect(DecisionAlignment.align(agent: [Self.e(1, "r1", "chunk_sent")], fluentd: [], tolerances: Self.tol, known: FidelitySpec()).isEmpty)
    }

    @Test func knownDivergencesAreCountedNotHidden() {
        let known = FidelitySpec(knownDivergences: [.init(decision: "r1 detached", reason: "agent detects 2 s early")])
        let d = DecisionAlignment.align(agent: [Self.e(2, "r1", "detached", "phi"), Self.e(2, "r2", "detached", "phi")],
                                        fluentd: [Self.e(4, "r1", "detached", "phi"), Self.e(4, "r2", "detached", "phi")],
                                        tolerances: Self.tol, known: known)
        #expect(d.map(\.status) == [.known, .diverge])
        #expect(d[0].knownReason == "agent detects 2 s early" && d[0].summary.contains("known divergence"))
        // A known entry never turns an agreement into anything else.
        let ok = DecisionAlignment.align(agent: [Self.e(2, "r1", "detached", "phi")], fluentd: [Self.e(2.1, "r1", "detached", "phi")],
                                         tolerances: Self.tol, known: known)
        #expect(ok.map(\.status) == [.agree])
    }

    /// A run whose r1 answered heartbeats every 0.5 s from `phase` until `lastBeat`, with `events`.
    static func record(phase: Double, lastBeat: Double, _ events: [AgentEventEntry]) -> RunRecord {
        var r = RunRecord(scenario: "t", seed: 1)
        r.heartbeatType = "udp"
        r.heartbeatInterval = 0.5
        var t = phase
        while t <= lastBeat + 1e-9 {
            r.observations["r1", default: []].append(ReceiverObservation(kind: "udp", time: t, answeredAt: t))
            t += 0.5
        }
        r.agentEvents = events
        return r
    }

    @Test func detectorDecisionsAreTimedFromEachSidesOrigin() {
        // Fluentd's heartbeat timer runs 0.45 s later in the second than the agent's: both detach 1.5 s after r1's
        // last heartbeat, 0.95 s apart on the run clock.
        let a = [Self.e(3.5, "r1", "detached", "phi"), Self.e(3.5, "r3", "standby_promoted")]
        let f = [Self.e(4.45, "r1", "detached", "phi"), Self.e(4.45, "r3", "standby_promoted")]
        let clock = DecisionAlignment.align(agent: a, fluentd: f, tolerances: Self.tol, known: FidelitySpec())
        #expect(clock.map(\.status) == [.diverge, .diverge], "on the run clock: 0.95 s apart")
        let records = (Self.record(phase: 0.0, lastBeat: 2.0, a), Self.record(phase: 0.45, lastBeat: 2.95, f))
        let d = DecisionAlignment.align(agent: a, fluentd: f, tolerances: Self.tol, known: FidelitySpec(), records: records)
        #expect(d.map(\.status) == [.agree, .agree])
        #expect(d[0].agentLatency == 1.5 && abs(d[0].fluentdLatency! - 1.5) < 1e-9 && abs(d[0].difference!) < 1e-9)
        #expect(d[0].tolerance == 0.525 && d[0].summary.contains("from its origin"))
        #expect(abs(d[1].fluentdLatency! - 1.5) < 1e-9, "the promotion follows r1's detach, timed from r1's origin")
        // One tick and a half later from the origin is a divergence however the clocks line up.
        let late = [Self.e(5.2, "r1", "detached", "phi")]
        let far = DecisionAlignment.align(agent: [a[0]], fluentd: late, tolerances: Self.tol, known: FidelitySpec(),
                                          records: (records.0, Self.record(phase: 0.45, lastBeat: 2.95, late)))
        #expect(far.map(\.status) == [.diverge] && abs(far[0].difference! + 0.75) < 1e-9)
    }

    @Test func aRecoveryIsTimedFromTheFirstSampleAfterTheNodeLeft() {
        var a = Self.record(phase: 0.0, lastBeat: 2.0, [Self.e(3.5, "r1", "detached", "phi"), Self.e(9.0, "r1", "recovered", "recovered")])
        var f = Self.record(phase: 0.45, lastBeat: 2.95, [Self.e(4.45, "r1", "detached", "phi"), Self.e(9.45, "r1", "recovered", "recovered")])
        // r1 answers again from 6.0 s (agent's ticks) and 6.45 s (Fluentd's): both recover 3 s after the first answer.
        for t in stride(from: 6.0, through: 9.0, by: 0.5) { a.observations["r1"]!.append(ReceiverObservation(kind: "udp", time: t, answeredAt: t)) }
        for t in stride(from: 6.45, through: 9.45, by: 0.5) { f.observations["r1"]!.append(ReceiverObservation(kind: "udp", time: t, answeredAt: t)) }
        let d = DecisionAlignment.align(agent: a.agentEvents, fluentd: f.agentEvents, tolerances: Self.tol, known: FidelitySpec(), records: (a, f))
        let rec = d.first { $0.key == "r1 recovered #1" }
        #expect(rec?.agentLatency == 3 && abs((rec?.fluentdLatency ?? 0) - 3) < 1e-9 && rec?.status == .agree)
    }

    @Test func flushThreadDecisionsStayOnTheRunClock() {
        // Timed from each side's start they would disagree in never-acks-with-standby, where an ack-timeout disable
        // (the same instant on both sides) anchors the retries, not the start: they are compared as they happened.
        let tol = DecisionAlignment.Tolerances(heartbeatTick: 0.5, ackCheck: 0.5, flushThread: 0.2)
        var a = RunRecord(scenario: "t", seed: 1), f = RunRecord(scenario: "t", seed: 1)
        a.agentEvents = [Self.e(0.01, "", "started"), Self.e(3.02, "", "chunk_retry")]
        f.agentEvents = [Self.e(0.49, "", "started"), Self.e(3.01, "", "chunk_retry")]
        let d = DecisionAlignment.align(agent: a.agentEvents, fluentd: f.agentEvents, tolerances: tol, known: FidelitySpec(), records: (a, f))
        #expect(d.map(\.key) == ["agent chunk_retry #1"] && d[0].status == .agree && d[0].agentLatency == nil)
    }

    /// Decisions after a side's `stopped` are paired only with the other side's shutdown decisions and timed from
    /// each side's `stopped`: when the harness stops each side is its own choice (Fluentd here 4 s earlier).
    @Test func shutdownDecisionsArePairedApartAndTimedFromEachSidesStop() {
        let a = [Self.e(3.0, "r1", "disabled", "ack_timeout"), Self.e(12.0, "", "stopped"), Self.e(14.02, "r2", "disabled", "ack_timeout")]
        let f = [Self.e(3.1, "r1", "disabled", "ack_timeout"), Self.e(8.13, "", "stopped"), Self.e(10.145, "r2", "disabled", "ack_timeout")]
        let d = DecisionAlignment.align(agent: a, fluentd: f, tolerances: Self.tol, known: FidelitySpec())
        #expect(d.map(\.key) == ["r1 disabled(ack_timeout) #1", "r2 disabled(ack_timeout) at shutdown #1"])
        #expect(d.allSatisfy { $0.status == .agree }, "\(d)")
        let shutdown = d[1]
        #expect(abs((shutdown.agentLatency ?? 0) - 2.02) < 1e-9 && abs((shutdown.fluentdLatency ?? 0) - 2.015) < 1e-9)
        // A disable before the stop on one side and after it on the other is two divergences, not one agreement.
        let early = [Self.e(5.0, "r2", "disabled", "ack_timeout"), Self.e(8.0, "", "stopped")]
        let split = DecisionAlignment.align(agent: early, fluentd: f, tolerances: Self.tol, known: FidelitySpec())
        #expect(split.filter { $0.status == .diverge }.map(\.key).sorted()
            == ["r1 disabled(ack_timeout) #1", "r2 disabled(ack_timeout) #1", "r2 disabled(ack_timeout) at shutdown #1"])
    }

    /// A known divergence of the run does not cover the same decision at shutdown; one naming the shutdown does.
    @Test func shutdownDecisionsNeedTheirOwnKnownEntry() {
        let run = FidelitySpec.KnownDivergence(decision: "r2 disabled(ack_timeout)", reason: "run")
        let stop = FidelitySpec.KnownDivergence(decision: "r2 disabled(ack_timeout) at shutdown", reason: "stop")
        #expect(run.covers("r2 disabled(ack_timeout) #3"))
        #expect(!run.covers("r2 disabled(ack_timeout) at shutdown #1"))
        #expect(stop.covers("r2 disabled(ack_timeout) at shutdown #1") && !stop.covers("r2 disabled(ack_timeout) #1"))
        #expect(FidelitySpec(knownDivergences: [run, stop]).knownReason(for: "r2 disabled(ack_timeout) at shutdown #1") == "stop")
    }
}
