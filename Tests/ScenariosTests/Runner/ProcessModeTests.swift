import Foundation
import Testing

@testable import Scenarios

/// `--agent process`: the same scenario against `fwdlab agent` as a child process, load through its forward input.
@Suite(.serialized) struct ProcessModeTests {
    /// `.build/debug/fwdlab` (built by `swift build --build-tests`).
    static var fwdlab: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/debug/fwdlab").path
    }

    /// Options for process mode, or nil (with an issue recorded) when the executable is missing.
    static func processOptions() -> RunOptions? {
        guard FileManager.default.isExecutableFile(atPath: fwdlab) else {
            Issue.record("\(fwdlab) is missing: run `swift build --build-tests` first")
            return nil
        }
        var o = ScenarioRunnerTests.options()
        o.agentMode = .process
        o.executablePath = fwdlab
        return o
    }

    /// The verdict line and every expectation's outcome, for a failure message.
    static func explain(_ r: ScenarioResult) -> String {
        ([r.line] + r.expectations.map { "\($0.status) \($0.statement): \($0.message)" }).joined(separator: "\n")
    }

    @Test("a failover scenario passes against a child agent process, with its events read back from --events")
    func failoverAgainstAChildProcess() async throws {
        guard let o = Self.processOptions() else { return }
        let s = try ScenarioLoader.parse(ScenarioTestSupport.failover(name: "t-process"))
        let r = await ScenarioRunner(options: o).run(s)
        #expect(r.verdict == .passed, "\(Self.explain(r))")
        let record = try #require(r.record)
        #expect(record.agentEvents.contains { $0.isDetach && $0.node == "r1" })
        #expect(record.load.accepted > 0 && record.load.accepted == record.load.offered - record.load.agentDown - record.load.overflow)
        #expect(record.agentLog.contains("fwdlab agent: running"))
        // Every receiver port the run opened is closed again.
        for port in record.ports.values { #expect(!PortAllocator.accepts(port: port)) }
    }

    @Test("agent kill (SIGKILL) and restart with a file buffer: the second incarnation delivers every acked event")
    func killAndRestartTheChild() async throws {
        guard let o = Self.processOptions() else { return }
        let s = try ScenarioLoader.parse("""
        name: t-process-kill
        seed: 5
        receivers:
          - {name: r1}
        agent:
          config: |
            <match **>
              @type forward
              heartbeat_type none
              require_ack_response true
              ${servers}
              <buffer>
                @type file
                path ${workdir}/buffer
                flush_interval 60
                retry_wait 0.2
              </buffer>
            </match>
        load: {rate: 200, duration: 2s}
        timeline:
          - {id: kill, at: 1s, agent: kill}
          - {id: restart, at: 1.5s, agent: restart}
        drain: 4s
        capture: false
        expectations:
          - no_loss
        """)
        let r = await ScenarioRunner(options: o).run(s)
        #expect(r.verdict == .passed, "\(Self.explain(r))")
        let record = try #require(r.record)
        // Events acked before the kill were staged in the file buffer (flush_interval 60): only a recovered chunk
        // can have delivered them.
        #expect(record.load.acceptedSequences.contains(0) && record.deliveries.contains { $0.seq == 0 })
        #expect(record.agentLog.components(separatedBy: "fwdlab agent: running").count - 1 == 2, "two incarnations")
    }

    @Test("a full buffer's refusals count as overflow, not as a dead agent: the input closes without an ack")
    func refusedRequestsCountAsOverflow() async throws {
        guard let o = Self.processOptions() else { return }
        let s = try ScenarioLoader.parse("""
        name: t-process-overflow
        seed: 6
        receivers: [r1]
        agent:
          config: |
            <match **>
              @type forward
              heartbeat_type none
              require_ack_response true
              connect_timeout 0.5
              ${servers}
              <buffer>
                flush_interval 0.2
                flush_thread_interval 0.2
                retry_wait 0.2
                chunk_limit_size 1k
                total_limit_size 4k
                overflow_action throw_exception
              </buffer>
            </match>
        load: {rate: 100, duration: 2s, record_size: 64}
        timeline:
          - {id: down, at: 0s, crash: r1}
        drain: 0s
        capture: false
        expectations:
          - agent_event: {event: buffer_overflow}
        """)
        let r = await ScenarioRunner(options: o).run(s)
        #expect(r.verdict == .passed, "\(Self.explain(r))")
        let load = try #require(r.record?.load)
        #expect(load.overflow > 0, "refused requests: \(load)")
        #expect(load.agentDown == 0, "the agent ran throughout: \(load)")
        #expect(load.accepted + load.overflow == load.offered)
    }

    @Test("baseline.executable: the baseline runs as a child process of that fwdlab, the scenario in-process")
    func baselineFromAnotherExecutable() async throws {
        guard Self.processOptions() != nil else { return }
        var o = ScenarioRunnerTests.options()
        o.agentMode = .inProcess
        let text = "baseline: {label: same build as a process, executable: \(Self.fwdlab)}\n"
            + ScenarioTestSupport.failover(name: "t-baseline-exe") + "\n  - matches_baseline: {node: r2}\n"
        let r = await ScenarioRunner(options: o).run(try ScenarioLoader.parse(text))
        #expect(r.verdict == .passed, "\(Self.explain(r))")
        let record = try #require(r.record)
        let baseline = try #require(record.baseline)
        #expect(baseline.executable == Self.fwdlab)
        #expect(baseline.agentLog.contains("fwdlab agent: running"), "the baseline ran as a child process")
        #expect(!record.agentLog.contains("fwdlab agent: running"), "the scenario itself ran in-process")
        #expect(baseline.agentEvents.contains { $0.isDetach && $0.node == "r1" })
    }

    @Test("time_scale in process mode: the child runs on the run's scaled clock, so its heartbeat ticks are 0.5 scenario s apart")
    func scaledRunAgainstAChildProcess() async throws {
        guard var o = Self.processOptions() else { return }
        o.timeScale = 0.5
        let r = await ScenarioRunner(options: o).run(try ScenarioLoader.parse(ScenarioTestSupport.failover(name: "t-process-scaled")))
        #expect(r.verdict == .passed, "\(Self.explain(r))")
        let record = try #require(r.record)
        #expect(record.timeScale == 0.5)
        #expect(record.agentLog.contains("fwdlab agent: running"))
        // The agent's own timers ran on scenario time: heartbeat_interval 0.5 reads as 0.5 scenario seconds.
        let ticks = record.phiSamples.filter { $0.node == "r2" }.map(\.time)
        #expect(ticks.count >= 8, "\(ticks.count) ticks")
        let gap = TimeScaleTests.medianGap(ticks)
        #expect(gap > 0.45 && gap < 0.6, "median tick gap \(gap) scenario seconds")
        // And the run took about half its scenario time (4.5 s of load plus the drain, bounded).
        #expect(r.wallSeconds < record.duration * 0.75, "\(r.wallSeconds) s for \(record.duration) scenario s")
    }
}
