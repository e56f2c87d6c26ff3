import Testing

@testable import Scenarios

/// `agent: stop`, `rpc:` steps and the `step_completes` expectation (docs/scenarios.md, docs/control-path.md).
@Suite struct ControlStepTests {
    static let yaml = """
    name: t-control
    receivers: [r1]
    agent:
      config: |
        <system>
          rpc_endpoint 127.0.0.1:${rpc.port}
        </system>
        <match **>
          @type forward
          ${servers}
        </match>
    load: {rate: 10, duration: 3s}
    timeline:
      - {id: flush, at: 1s, rpc: flush}
      - {id: stop, at: 2s, agent: stop}
    expectations:
      - step_completes: {step: flush, within: 0.5s, result: '200 {"ok":true}'}
      - step_completes: {step: stop, within: 2s}
      - agent_event: {event: chunk_retry, after: flush, min: 1}
    """

    @Test func parses() throws {
        let s = try ScenarioLoader.parse(Self.yaml)
        #expect(s.timeline.map(\.action.kind) == ["rpc", "stop_agent"])
        #expect(s.expectations.map(\.kind.key) == ["step_completes", "step_completes", "agent_event"])
        #expect(s.expectations[0].kind == .stepCompletes(step: "flush", within: 0.5, result: #"200 {"ok":true}"#))
    }

    @Test func unknownStepIsAnError() {
        #expect(throws: (any Error).self) {
            try ScenarioLoader.parse(Self.yaml.replacingOccurrences(of: "{step: stop, within: 2s}", with: "{step: nope, within: 2s}"))
        }
    }

    @Test func stepCompletesJudgesDurationAndAnswer() throws {
        let s = try ScenarioLoader.parse(Self.yaml)
        var r = RunRecord(scenario: "t-control", seed: 1)
        var flush = TimelineEntry(time: 1, planned: 1, id: "flush", kind: "rpc", receiver: nil, summary: "rpc flush", error: nil)
        flush.completed = 1.004
        flush.result = #"200 {"ok":true}"#
        var stop = TimelineEntry(time: 2, planned: 2, id: "stop", kind: "stop_agent", receiver: nil, summary: "stop", error: nil)
        stop.completed = 32  // what the agent did before issue #16 item 5: a 30 s drain
        r.steps = [flush, stop]
        let results = ExpectationEvaluator.evaluate(Array(s.expectations.prefix(2)), record: r)
        #expect(results.map(\.status) == [.pass, .fail])
        flush.result = nil  // the connection closed without an answer
        r.steps = [flush, stop]
        #expect(ExpectationEvaluator.evaluate([s.expectations[0]], record: r).map(\.status) == [.fail])
    }
}
