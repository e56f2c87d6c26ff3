import Testing

#if canImport(AgentCore)
@testable import AgentCore
#else
@testable import Agent
#endif

@Suite struct WeightedBalancerTests {
    private func counts(_ array: [Int]) -> [Int: Int] {
        array.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    @Test func twoEqualNodesTwelveSlots() throws {
        let nodes = [BalancerNode(host: "a"), BalancerNode(host: "b")]
        var lb = WeightedBalancer(seed: 7)
        lb.rebuild(nodes: nodes) { _ in true }
        #expect(lb.weightArray.count == 12)
        #expect(counts(lb.weightArray) == [0: 6, 1: 6])
        // docs/forward-protocol.md, "Node selection": 12 consecutive sends → 6 each.
        var sent: [Int: Int] = [:]
        for _ in 0..<12 { sent[try lb.next { _ in true }, default: 0] += 1 }
        #expect(sent == [0: 6, 1: 6])
    }

    @Test func weightsSixtyThirty() {
        let nodes = [BalancerNode(host: "a", weight: 60), BalancerNode(host: "c", weight: 30)]
        var lb = WeightedBalancer(seed: 1)
        lb.rebuild(nodes: nodes) { _ in true }
        #expect(lb.weightArray.count == 12)
        #expect(counts(lb.weightArray) == [0: 8, 1: 4])
    }

    @Test func fourNodesSixteenSlots() {
        let nodes = [60, 60, 30, 10].enumerated().map { BalancerNode(host: "n\($0.offset)", weight: $0.element) }
        var lb = WeightedBalancer(seed: 1)
        lb.rebuild(nodes: nodes) { _ in true }
        #expect(lb.weightArray.count == 16)
        #expect(counts(lb.weightArray) == [0: 6, 1: 6, 2: 3, 3: 1])
    }

    @Test func zeroWeightNeverSelected() throws {
        let nodes = [BalancerNode(host: "a"), BalancerNode(host: "z", weight: 0), BalancerNode(host: "s", weight: -5, standby: true)]
        var lb = WeightedBalancer(seed: 3)
        lb.rebuild(nodes: nodes) { _ in true }
        #expect(!lb.weightArray.contains(1) && !lb.weightArray.contains(2))
        for _ in 0..<30 { #expect(try lb.next { _ in true } == 0) }
    }

    @Test func standbyPromotion() {
        // docs/forward-protocol.md, "Weight array": A down, standby S1, S2 → A, B, S1 six slots each, S2 unused; A and B down → all four.
        let nodes = [BalancerNode(host: "A", port: 1), BalancerNode(host: "B", port: 2),
                     BalancerNode(host: "S1", port: 3, standby: true), BalancerNode(host: "S2", port: 4, standby: true)]
        var lb = WeightedBalancer(seed: 9)
        let first = lb.rebuild(nodes: nodes) { _ in true }
        #expect(first.promoted.isEmpty && counts(lb.weightArray) == [0: 6, 1: 6])
        let oneDown = lb.rebuild(nodes: nodes) { $0 != 0 }
        #expect(counts(lb.weightArray) == [0: 6, 1: 6, 2: 6])
        #expect(oneDown.promoted == [2])
        #expect(oneDown.logs.contains(CoreLog(.warn, "using standby node S1:3 weight=60")))
        let twoDown = lb.rebuild(nodes: nodes) { $0 >= 2 }
        #expect(counts(lb.weightArray) == [0: 6, 1: 6, 2: 6, 3: 6])
        #expect(twoDown.promoted == [2, 3])
        // A and B are skipped at selection.
        let plan = try? lb.plan { $0 >= 2 }
        #expect(plan?.candidates.allSatisfy { $0 >= 2 } == true)
    }

    @Test func noNodesAvailable() {
        let nodes = [BalancerNode(host: "A"), BalancerNode(host: "S", standby: true)]
        var lb = WeightedBalancer(seed: 1)
        lb.rebuild(nodes: nodes) { _ in true }
        // Regular down, standby down: every slot unavailable.
        #expect(throws: NoNodesAvailable.self) { try lb.plan { _ in false } }
        let all = lb.rebuild(nodes: nodes) { _ in false }
        #expect(lb.weightArray.isEmpty == false)  // A still listed, skipped at selection
        #expect(all.promoted.isEmpty)
        // Only standby nodes configured → empty array, "No nodes are available".
        let onlyStandby = lb.rebuild(nodes: [BalancerNode(host: "S", standby: true)]) { _ in true }
        #expect(lb.weightArray.isEmpty)
        #expect(onlyStandby.logs.contains(CoreLog(.warn, "No nodes are available")))
        #expect(throws: NoNodesAvailable.self) { try lb.plan { _ in true } }
        #expect(NoNodesAvailable().description == "no nodes are available")
    }

    @Test func deterministicPermutationAndPointerKept() throws {
        let nodes = [BalancerNode(host: "a"), BalancerNode(host: "b")]
        var lb = WeightedBalancer(seed: 11)
        lb.rebuild(nodes: nodes) { _ in true }
        let firstArray = lb.weightArray
        _ = try lb.next { _ in true }
        _ = try lb.next { _ in true }
        #expect(lb.pointer == 2)
        lb.rebuild(nodes: nodes) { _ in true }
        #expect(lb.weightArray == firstArray)  // same seed → same permutation
        #expect(lb.pointer == 2)  // not reset
        var other = WeightedBalancer(seed: 11)
        other.rebuild(nodes: nodes) { _ in true }
        #expect(other.weightArray == firstArray)
    }

    @Test func planListsRepeatsAndFinishAdvancesPointer() throws {
        let nodes = [BalancerNode(host: "a"), BalancerNode(host: "b")]
        var lb = WeightedBalancer(seed: 5)
        lb.rebuild(nodes: nodes) { _ in true }
        let plan = try lb.plan { _ in true }
        #expect(plan.candidates == lb.weightArray)  // full pass, nodes repeat (quirk 28 (docs/quirks.md))
        lb.finish(plan, succeededAt: 2)
        #expect(lb.pointer == 3)
        let failedPass = try lb.plan { _ in true }
        lb.finish(failedPass, succeededAt: nil)
        #expect(lb.pointer == 3)  // a full pass returns to the same slot
        lb.skipTriedNodes = true
        #expect(try lb.plan { _ in true }.candidates.count == 2)
        // Skipping an unavailable node still advances the pointer past its slots.
        let onlyB = try lb.plan { $0 == 1 }
        #expect(onlyB.candidates.allSatisfy { $0 == 1 })
    }
}
