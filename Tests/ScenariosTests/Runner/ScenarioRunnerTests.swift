import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import Scenarios

/// End-to-end runs on 127.0.0.1 with real sockets (ephemeral ports), kept short; verdicts come from the recorded run.
@Suite(.serialized) struct ScenarioRunnerTests {
    static func options(out: String? = nil) -> RunOptions {
        var o = RunOptions()
        o.outDirectory = out
        o.capture = false
        return o
    }

    static func tempDir() -> String {
        let d = NSTemporaryDirectory() + "fwdlab-scenario-tests-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func failoverScenarioPassesAndWritesTheReport() async throws {
        let out = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let s = try ScenarioLoader.parse(ScenarioTestSupport.failover())
        let r = await ScenarioRunner(options: Self.options(out: out)).run(s)
        #expect(r.verdict == .passed, "\(r.line)\n\(r.expectations.map { "\($0.status) \($0.statement): \($0.message)" }.joined(separator: "\n"))")
        let detach = try #require(r.expectations.first { $0.key == "detach" })
        #expect(detach.measured.contains("cause phi"))
        let dir = try #require(r.reportDirectory)
        for f in ["summary.json", "timeline.jsonl", "junit.xml", "agent.log", "report.html", "scenario.yaml", "agent.conf"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(f) written")
        }
        let summary = try JSONDecoder().decode(ReportSummary.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json")))
        #expect(summary.verdict == "passed" && summary.seed == 3)
        // phi(t) comes from the agent itself: samples for every node at the heartbeat cadence, and the detach's phi
        // is the value of r1's last sample (the same tick).
        let record = try #require(r.record)
        #expect(summary.phiSource == "agent")
        for node in ["r1", "r2", "r3"] {
            #expect(record.phiSamples.filter { $0.node == node && $0.time < 1.4 }.count >= 2, "\(node) sampled before the crash")
        }
        let detachEvent = try #require(record.agentEvents.first { $0.node == "r1" && $0.event == .detached })
        let lastSample = try #require(record.phiSamples.last { $0.node == "r1" && $0.time <= detachEvent.time })
        #expect(lastSample.phi == detachEvent.phi && abs(lastSample.time - detachEvent.time) < 0.001)
        #expect(!record.phiSamples.contains { $0.node == "r1" && $0.time > detachEvent.time }, "r1 never recovers here")
        #expect(!record.agentEvents.contains { $0.event == .phiSample }, "samples are kept apart from decisions")
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("the agent's detector at each heartbeat tick"))
        #expect(summary.schedule.map(\.id) == ["crash-r1"])
        let timeline = try String(contentsOfFile: dir + "/timeline.jsonl", encoding: .utf8)
        #expect(timeline.contains("\"type\":\"step\"") && timeline.contains("\"event\":\"detached\"") && timeline.contains("\"type\":\"delivery\""))
        let junit = try String(contentsOfFile: dir + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("<testsuite name=\"t-failover\"") && junit.contains("failures=\"0\""))
        // Every receiver was stopped: the ports accept no connection any more.
        for port in (r.record?.ports ?? [:]).values {
            #expect(!PortAllocator.accepts(port: port), "port \(port) closed after the run")
        }
    }

    /// A deliberately broken setting makes the scenario fail, saying which node detached and why.
    @Test func brokenPhiThresholdFailsWithAClearMessage() async throws {
        var o = Self.options()
        o.overrides = ["phi_threshold": "0"]
        let s = try ScenarioLoader.parse(ScenarioTestSupport.failover(name: "t-broken", crashAt: "1s", duration: "2s"))
        let r = await ScenarioRunner(options: o).run(s)
        #expect(r.verdict == .failed)
        let noDetach = try #require(r.expectations.first { $0.key == "no_detach" })
        #expect(noDetach.status == .fail)
        #expect(noDetach.message.contains("r2 detached at"), "\(noDetach.message)")
        #expect(noDetach.message.contains("threshold 0"), "\(noDetach.message)")
        #expect(r.line.hasPrefix("FAIL t-broken"))
    }

    @Test func pendingScenariosAreSkippedNeverPassed() async throws {
        let text = "status: pending\npending_reason: waiting for the controller\n" + ScenarioTestSupport.failover(name: "t-pending")
        let r = await ScenarioRunner(options: Self.options()).run(try ScenarioLoader.parse(text))
        #expect(r.verdict == .skipped)
        #expect(r.reason?.contains("waiting for the controller") == true)
        #expect(r.expectations.allSatisfy { $0.status == .skip })
    }

    /// Two runs of a small suite give the same verdicts and the same schedule; the closing line has its exact form.
    @Test func suiteVerdictsRepeat() async throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ranged = ScenarioTestSupport.failover(name: "t-a", crashAt: "1s..2s", duration: "4.5s")
        try ranged.write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        try ("status: pending\npending_reason: later\n" + ScenarioTestSupport.failover(name: "t-b")).write(toFile: dir + "/b.yaml", atomically: true, encoding: .utf8)
        try "name: t-c\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        var verdicts: [[String]] = []
        var schedules: [[Double]] = []
        for _ in 0 ..< 2 {
            let lines = NIOLockedValueBox<[String]>([])
            let results = await SuiteRunner(options: Self.options(), output: { l in lines.withLockedValue { $0.append(l) } }).run(path: dir)
            verdicts.append(results.map { "\($0.scenario) \($0.verdict)" })
            schedules.append(results.first?.record?.steps.map(\.planned) ?? [])
            let out = lines.withLockedValue { $0 }
            #expect(out.last == "1 passed, 1 failed", "\(out)")
            #expect(out.contains { $0.hasPrefix("FAIL c") && $0.contains("c.yaml:1:1: agent: required") }, "\(out)")
        }
        #expect(verdicts[0] == verdicts[1])
        #expect(verdicts[0] == ["t-a passed", "t-b skipped", "c failed"])
        #expect(schedules[0] == schedules[1] && !schedules[0].isEmpty)
    }

    /// A timeline step that cannot do what it says fails the run with its reason, even when every expectation
    /// holds: here an RPC flush after the agent was stopped (the endpoint is gone with it).
    @Test func aFailingTimelineStepFailsTheRun() async throws {
        var text = ScenarioTestSupport.failover(name: "t-broken-step", crashAt: "1s", duration: "2s")
        text = text.replacingOccurrences(of: "    <match **>", with: "    <system>\n      rpc_endpoint 127.0.0.1:${rpc.port}\n    </system>\n    <match **>")
        text = text.replacingOccurrences(of: "  - {id: crash-r1, at: 1s, crash: r1}",
                                         with: "  - {id: crash-r1, at: 1s, crash: r1}\n  - {id: stop, at: 2.5s, agent: stop}\n  - {id: late-flush, at: 3s, rpc: flush}")
        // Only the step can fail this run: no expectation about the crash.
        text = String(text[..<text.range(of: "expectations:")!.lowerBound]) + "expectations:\n  - no_detach: {node: r2}\n"
        let s = try ScenarioLoader.parse(text)
        let r = await ScenarioRunner(options: Self.options()).run(s)
        #expect(r.verdict == .failed, "\(r.line)")
        #expect(r.expectations.allSatisfy { $0.status == .pass }, "the expectations hold; the step alone fails the run")
        let reason = try #require(r.reason)
        #expect(reason.contains("timeline step 'late-flush' at 3.000 s failed (ran at "), "\(reason)")
        #expect(reason.contains("the agent is not running"), "\(reason)")
        #expect(r.line.hasPrefix("FAIL t-broken-step"), "\(r.line)")
    }
}
