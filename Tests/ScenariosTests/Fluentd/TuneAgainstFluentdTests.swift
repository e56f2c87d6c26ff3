import Foundation
import Testing

@testable import Scenarios

/// `fwdlab tune`'s engine (`DetectionPredictor`, the virtual-time simulation) against real Fluentd 1.16.9: a node
/// killed under traffic, without and with acks (README, "Tuning"). The engine
/// gets the scenario's settings and the send cadence and phase r1's receiver saw; Fluentd's detach, timed from
/// r1's last heartbeat, must be within one heartbeat tick of the engine's.
@Suite(.serialized) struct TuneAgainstFluentdTests {
    @Test(.enabled(if: FluentdTestSupport.available || FluentdInstallation.required), arguments: [false, true])
    func killedUnderTraffic(acks: Bool) async throws {
        let path = ScenarioTestSupport.root + "/fixtures/scenarios/primary-killed-under-traffic-no-ack.yaml"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        if acks { text = text.replacingOccurrences(of: "require_ack_response false", with: "require_ack_response true") }
        #expect(text.contains("require_ack_response \(acks)"))
        let scenario = try ScenarioLoader.parse(text)
        var o = ScenarioRunnerTests.options()
        o.capture = false
        o.agentMode = try RunOptions.AgentMode.parse("fluentd:1.16.9")
        // Real Fluentd has two outcomes here, set by its flush thread's phase at the kill, which no setting fixes: a
        // chunk still in flight to r1 makes it disable r1 for the peer's close at the crash (a CI run with acks,
        // 2026-12-07; the known divergence of phi-detach-tcp-heartbeat); otherwise phi detaches it, which is what the
        // engine models. Up to four runs: a run on the first path must show exactly that (disabled, that cause, within
        // 50 ms of the crash), and one run must take the second.
        var found: (record: RunRecord, crash: Double, detach: AgentEventEntry)?
        for attempt in 1 ... 4 where found == nil {
            let result = await ScenarioRunner(options: o).run(scenario)
            let r = try #require(result.record, "\(ProcessModeTests.explain(result))")
            let crash = try #require(r.steps.first { $0.id == "crash-r1" }).time
            if let d = r.agentEvents.first(where: { $0.node == "r1" && $0.event == .detached && $0.time >= crash }) {
                found = (r, crash, d)
                break
            }
            let left = try #require(r.agentEvents.first { $0.node == "r1" && $0.isDetach && $0.time >= crash }, "\(ProcessModeTests.explain(result))")
            #expect(left.event == .disabled && left.cause == "peer_closed_before_ack" && left.time - crash < 0.05,
                    "run \(attempt): r1 left by \(left.event) (\(left.cause ?? "-")) at \(left.time), crash at \(crash)")
            guard left.event == .disabled, left.cause == "peer_closed_before_ack" else { return }
            print("tune vs fluentd 1.16.9, acks \(acks): run \(attempt) had a chunk in flight to r1 at the kill (disabled for the peer's close at \(ScenarioFormat.number(left.time)) s); running again")
        }
        let (r, crash, detach) = try #require(found, "Fluentd took the peer-close path in all four runs")
        let beats = (r.observations["r1"] ?? []).filter { $0.isHeartbeat(heartbeatType: r.heartbeatType) }
            .compactMap(\.answeredAt).filter { $0 <= crash }
        let lastBeat = try #require(beats.max())
        var seen = Set<Int>()
        let sends = r.deliveries.filter { $0.receiver == "r1" && $0.time <= crash && seen.insert($0.request).inserted }.map(\.time).sorted()
        try #require(sends.count >= 4, "r1 got \(sends.count) requests before the crash")
        let gaps = zip(sends.dropFirst(), sends).map { $0 - $1 }.sorted()
        let period = gaps[gaps.count / 2]
        // The engine's heartbeats fall on multiples of h, its last one before the death at floor(warmup / h)·h: put
        // its sends where r1's were relative to the last heartbeat, and the death where the crash was. Two
        // histories: as long as r1's (its heartbeats before the crash), and the tuning sweep's steady 300 s.
        let h = r.heartbeatInterval
        func engine(warmup: Double, traffic: Bool) -> DetectionPrediction {
            let anchor = max(1, (warmup / h).rounded(.down)) * h
            let phase = ((anchor + sends.last! - lastBeat).truncatingRemainder(dividingBy: period) + period).truncatingRemainder(dividingBy: period)
            return DetectionPredictor.predict(heartbeatInterval: h, phiThreshold: r.phiThreshold, flushInterval: traffic ? period : nil,
                                              sendOffset: phase, hardTimeout: r.hardTimeout, recoverWait: 1,
                                              warmup: warmup, deathOffset: crash - lastBeat)
        }
        let history = Double(beats.count) * h
        let p = engine(warmup: history, traffic: true)
        let steady = engine(warmup: 300, traffic: true)
        let idle = engine(warmup: history, traffic: false)
        let measured = detach.time - lastBeat
        print("tune vs fluentd 1.16.9, killed under traffic, acks \(acks): sends to r1 every \(ScenarioFormat.number(period)) s, "
              + "\(beats.count) heartbeats before the crash; engine \(ScenarioFormat.number(p.latencyAfterLastHeartbeat)) s after the "
              + "last heartbeat (steady 300 s history: \(ScenarioFormat.number(steady.latencyAfterLastHeartbeat)) s, no traffic: "
              + "\(ScenarioFormat.number(idle.latencyAfterLastHeartbeat)) s), Fluentd \(ScenarioFormat.number(measured)) s")
        #expect(abs(p.latencyAfterLastHeartbeat - measured) <= h + 0.025,
                "engine \(p.latencyAfterLastHeartbeat) s, Fluentd \(measured) s after the last heartbeat at \(lastBeat)")
        // Traffic is what the engine must model here: without the sends it predicts a later detach.
        #expect(idle.latencyAfterLastHeartbeat > p.latencyAfterLastHeartbeat)
    }
}
