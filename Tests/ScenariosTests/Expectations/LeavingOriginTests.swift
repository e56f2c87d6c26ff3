import Testing

@testable import Scenarios

/// `disabled … since: first_arrival`: the window is timed from the first chunk the node's receiver accepted after
/// the step, so which flush the balancer's order sent there first does not move it (docs/scenarios.md).
@Suite struct LeavingOriginTests {
    static func run(firstArrival: Double?, disabledAt: Double) -> RunRecord {
        var r = RunRecord(scenario: "t-origin", seed: 1)
        r.steps = [TimelineEntry(time: 2.1, planned: 2.1, id: "drop", kind: "apply", receiver: "r1", summary: "drop acks", error: nil)]
        r.deliveries = [Delivery(time: 2.0, receiver: "r1", seq: 1, chunk: "a", request: 0),
                        Delivery(time: 2.2, receiver: "r2", seq: 2, chunk: "b", request: 0)]
        if let firstArrival { r.deliveries.append(Delivery(time: firstArrival, receiver: "r1", seq: 3, chunk: "c", request: 1)) }
        r.agentEvents = [AgentEventEntry(time: disabledAt, node: "r1", event: .disabled, cause: "ack_timeout")]
        return r
    }

    static func verdict(_ yaml: String, _ r: RunRecord) throws -> ExpectationResult.Status {
        let s = try ScenarioLoader.parse("""
        name: t-origin
        receivers: [r1, r2]
        agent: {config: "<match **>\\n  @type forward\\n  ${servers}\\n</match>"}
        timeline:
          - {id: drop, at: 2.1s, apply: {receiver: r1, kind: ack_drop, name: d}}
        expectations:
          - \(yaml)
        """)
        return ExpectationEvaluator.evaluate(s.expectations, record: r)[0].status
    }

    static let fromArrival = "disabled: {node: r1, after: drop, since: first_arrival, within: [1.49s, 2.512s], cause: ack_timeout}"

    @Test func timedFromTheFirstArrivalAfterTheStep() throws {
        // r1's first chunk after the step came three flushes late (2.6 s): 4.3 s is 1.7 s after it, inside.
        #expect(try Self.verdict(Self.fromArrival, Self.run(firstArrival: 2.6, disabledAt: 4.3)) == .pass)
        // The same disable timed from the step is 2.2 s: a step-timed window of the same width would be wrong here.
        #expect(try Self.verdict("disabled: {node: r1, after: drop, within: [1.49s, 2.0s]}", Self.run(firstArrival: 2.6, disabledAt: 4.3)) == .fail)
        // Sooner than the ack timeout after that chunk: the node was not disabled by its deadline.
        #expect(try Self.verdict(Self.fromArrival, Self.run(firstArrival: 2.6, disabledAt: 3.9)) == .fail)
        // Later than one ack-reader pass after the deadline.
        #expect(try Self.verdict(Self.fromArrival, Self.run(firstArrival: 2.6, disabledAt: 5.2)) == .fail)
    }

    @Test func noArrivalAfterTheStepFails() throws {
        #expect(try Self.verdict(Self.fromArrival, Self.run(firstArrival: nil, disabledAt: 4.3)) == .fail)
    }
}
