import Testing

@testable import Scenarios

/// `baseline:` and the two comparison expectations: loader rules and the diff on recorded runs.
@Suite struct BaselineTests {
    static func withBaseline(_ expectation: String, baseline: Bool = true) -> String {
        var text = ScenarioTestSupport.failover() + "\n  - \(expectation)\n"
        if baseline { text = "baseline: {label: old build, set: {phi_threshold: \"2\"}}\n" + text }
        return text
    }

    @Test func loaderNeedsTheBaselineAndValidatesItsParameters() throws {
        let s = try ScenarioLoader.parse(Self.withBaseline("matches_baseline: {node: r2}"))
        #expect(s.baseline == BaselineSpec(label: "old build", overrides: ["phi_threshold": "2"]))
        #expect(s.expectations.last?.kind == .matchesBaseline(node: "r2", tolerance: 1))
        do {
            _ = try ScenarioLoader.parse(Self.withBaseline("differs_from_baseline: {node: r2}", baseline: false), file: "b.yaml")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("needs a top-level 'baseline:'"), "\(error)")
        }
        do {
            _ = try ScenarioLoader.parse("baseline: {label: x, set: {phi_threshhold: \"2\"}}\n" + ScenarioTestSupport.failover(), file: "b.yaml")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix("b.yaml:1:") && "\(error)".contains("baseline.set"), "\(error)")
        }
    }

    @Test func executableResolvesAgainstTheScenarioDirectoryAndMustBeExecutable() throws {
        let s = try ScenarioLoader.parse("baseline: {label: other, executable: ../../bin/true}\n" + ScenarioTestSupport.failover(),
                                         file: "b.yaml", baseDirectory: "/usr/share")
        #expect(s.baseline?.executable == "/bin/true")
        do {
            _ = try ScenarioLoader.parse("baseline: {label: other, executable: no-such-fwdlab}\n" + ScenarioTestSupport.failover(),
                                         file: "b.yaml", baseDirectory: "/tmp")
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix("b.yaml:1:") && text.contains("baseline.executable")
                    && text.contains("/tmp/no-such-fwdlab is not an executable file"), "\(text)")
        }
    }

    @Test func diffComparesDecisionsInOrderWithinTheToleranceAndTraffic() {
        var run = RunRecord(scenario: "t", seed: 1)
        run.receivers = ["r1", "r2", "r3"]
        run.agentEvents = [AgentEventEntry(time: 2.0, node: "r1", event: .detached, cause: "phi"),
                           AgentEventEntry(time: 2.0, node: "r3", event: .standbyPromoted)]
        run.deliveries = [Delivery(time: 1, receiver: "r2", seq: 1, chunk: nil, request: 0),
                          Delivery(time: 3, receiver: "r3", seq: 2, chunk: nil, request: 1)]
        var base = RunRecord(scenario: "t", seed: 1)
        base.agentEvents = [AgentEventEntry(time: 2.4, node: "r1", event: .detached, cause: "phi")]
        base.deliveries = [Delivery(time: 1, receiver: "r2", seq: 1, chunk: nil, request: 0)]
        let b = BaselineRecord(label: "old", record: base)
        #expect(BaselineDiff.differences(run, b, nodes: ["r1", "r2"], tolerance: 0.5).isEmpty)
        #expect(BaselineDiff.differences(run, b, nodes: ["r1"], tolerance: 0.3) == ["r1: detached at 2 s, baseline at 2.4 s"])
        let r3 = BaselineDiff.differences(run, b, nodes: ["r3"], tolerance: 1)
        #expect(r3.count == 2 && r3[0].contains("standby_promoted") && r3[1].contains("received 1 events"), "\(r3)")

        run.baseline = b
        let results = ExpectationEvaluator.evaluate([ExpectationSpec(kind: .matchesBaseline(node: "r3", tolerance: 1)),
                                                     ExpectationSpec(kind: .differsFromBaseline(node: "r3", tolerance: 1)),
                                                     ExpectationSpec(kind: .matchesBaseline(node: nil, tolerance: 0.5))], record: run)
        #expect(results.map(\.status) == [.fail, .pass, .fail])
    }
}
