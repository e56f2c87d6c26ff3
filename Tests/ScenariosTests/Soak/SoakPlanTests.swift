import Testing

@testable import Scenarios

/// The soak's seeded schedule (docs/soak.md): reproducible, and complete within three minutes.
@Suite struct SoakPlanTests {
    @Test("the same seed gives the same plan, another seed another")
    func deterministic() {
        let a = SoakPlan.make(duration: 180, seed: 7)
        #expect(a == SoakPlan.make(duration: 180, seed: 7))
        #expect(a.scenarioYAML == SoakPlan.make(duration: 180, seed: 7).scenarioYAML)
        #expect(a.steps != SoakPlan.make(duration: 180, seed: 8).steps)
    }

    @Test("a three-minute plan covers every fault kind, a DNS change, an RPC flush, a reload and a kill -9", arguments: [1, 2, 3, 99] as [UInt64])
    func coverage(seed: UInt64) throws {
        let plan = SoakPlan.make(duration: 180, seed: seed)
        #expect(plan.faultKinds == Set(SoakPlan.faultKinds), "missing: \(Set(SoakPlan.faultKinds).subtracting(plan.faultKinds).sorted())")
        #expect(SoakPlan.faultKinds.count == 26)
        for c in [SoakPlan.Category.dns, .flush, .reload, .kill, .restart] { #expect(plan.count(c) >= 1, "\(c)") }
        // Every fault is closed again, each kill is followed by its restart, and the last disturbance leaves the quiet tail.
        #expect(plan.count(.fault) == plan.count(.faultEnd))
        #expect(plan.count(.kill) == plan.count(.restart))
        let last = try #require(plan.steps.last)
        #expect(last.at <= 180 - SoakPlan.quietTail(180))
        // The generated text is a scenario the loader accepts (fault kinds, parameters, receivers, step ids).
        let scenario = try ScenarioLoader.parse(plan.scenarioYAML)
        #expect(scenario.timeline.count == plan.steps.count)
    }

    @Test("two faults never hit one receiver at once, so a receiver is always healthy; no RPC while the agent is down")
    func oneReceiverHealthy() {
        let plan = SoakPlan.make(duration: 600, seed: 11)
        var open: [String: String] = [:]  // fault step id → receiver
        var down = false
        for s in plan.steps {
            switch s.category {
            case .fault:
                #expect(!open.values.contains(s.receiver ?? ""), "\(s.id) on a receiver already faulted")
                open[s.id] = s.receiver
                #expect(open.count <= 2)
            case .faultEnd: open[String(s.id.dropLast("-end".count))] = nil
            case .kill: down = true
            case .restart: down = false
            case .flush, .reload: #expect(!down, "\(s.id) while the agent is down")
            default: break
            }
        }
    }
}
