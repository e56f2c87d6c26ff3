import Agent
import Testing

@testable import Scenarios

/// False detaches, determinism and the loss processes.
@Suite struct NetworkBehaviourTests {
    static let thresholds: [Double] = [4, 8, 16]

    func run(_ model: NetworkModel, h: Double = 1, seed: UInt64, hours: Double = 1, death: DeathSchedule = .never) -> RunOutcome {
        var sim = VirtualNetworkSimulation()
        let spec = SimulationRunSpec(model: model, heartbeatInterval: h, lanes: Self.thresholds.map { LaneSpec(threshold: $0) },
                                     duration: hours * 3600, seed: seed, death: death)
        return sim.run(spec)
    }

    @Test func cleanNetworkHasNoFalseDetaches() {
        var model = NetworkModel.clean
        model.replyDelay = .uniform(min: 0.0005, max: 0.002)
        model.traffic.bytesPerSecond = 10_000
        for seed: UInt64 in 1...3 {
            for h in [0.5, 1, 2] {
                let out = run(model, h: h, seed: seed)
                #expect(out.lanes.allSatisfy { $0.falseDetaches == 0 }, "seed \(seed) h \(h)")
            }
        }
    }

    @Test func heavyLossCausesFalseDetachesAndFlaps() {
        var model = NetworkModel.clean
        model.heartbeatType = .udp
        model.replyDelay = .fixed(0.002)
        model.loss = .gilbertElliott(p: 0.02, r: 0.05, lossInBad: 1, lossInGood: 0)
        let out = run(model, seed: 7)
        #expect(out.lanes[0].falseDetaches > 0)
        #expect(out.lanes[0].flaps > 0)
        #expect(out.lanes[0].falseDetaches >= out.lanes[2].falseDetaches)
    }

    @Test func longStallsCauseFalseDetaches() {
        var model = NetworkModel.clean
        model.stalls.ratePerHour = 20
        model.stalls.duration = .fixed(25)
        let out = run(model, seed: 3)
        #expect(out.stalls > 5)
        #expect(out.lanes[0].falseDetaches > 0)
        // A 25 s stall is shorter than the idle 37 s at threshold 16 but longer than the ~9.6 s at threshold 4.
        #expect(out.lanes[2].falseDetaches == 0)
    }

    @Test func sameSeedSameResultDifferentSeedsDiffer() {
        var model = NetworkModel.standard
        model.heartbeatType = .udp
        model.loss = .bernoulli(p: 0.05)
        model.stalls.ratePerHour = 30
        let a = run(model, seed: 11, hours: 0.5, death: .random)
        let b = run(model, seed: 11, hours: 0.5, death: .random)
        let c = run(model, seed: 12, hours: 0.5, death: .random)
        #expect(a == b)
        #expect(a != c)
        #expect(a.deathTime != c.deathTime)
    }

    @Test func lanesDoNotInfluenceEachOther() {
        var model = NetworkModel.standard
        model.stalls.ratePerHour = 60
        model.stalls.duration = .pareto(scale: 1, shape: 1.2)
        let all = run(model, seed: 5, hours: 0.5, death: .random)
        for (i, threshold) in Self.thresholds.enumerated() {
            var sim = VirtualNetworkSimulation()
            let spec = SimulationRunSpec(model: model, heartbeatInterval: 1, lanes: [LaneSpec(threshold: threshold)],
                                         duration: 1800, seed: 5, death: .random)
            #expect(sim.run(spec).lanes[0] == all.lanes[i])
        }
    }

    @Test func sweepIsDeterministic() async {
        var grid = TuningGrid()
        grid.intervals = [1, 2]
        grid.thresholds = [8, 16]
        grid.seeds = 3
        grid.hours = 0.1
        grid.detectors = DetectorChoice.allCases
        var model = NetworkModel.standard
        model.stalls.ratePerHour = 60
        let engine = TuningEngine(model: model, grid: grid)
        let a = await engine.run(workers: 2)
        let b = await engine.run(workers: 1)
        #expect(a.points == b.points)
        #expect(a.samples == b.samples)
    }

    @Test func bernoulliLossWithinBinomialBound() {
        var rng = SeededRandom(seed: 99)
        var loss = LossProcess(model: .bernoulli(p: 0.1), rng: &rng)
        let n = 100_000
        var lost = 0
        for _ in 0..<n where loss.nextIsLost(using: &rng) { lost += 1 }
        let sd = (0.1 * 0.9 / Double(n)).squareRoot()
        #expect(abs(Double(lost) / Double(n) - 0.1) < 4 * sd)
    }

    @Test(arguments: [(0.01, 0.1, 1.0, 0.0), (0.05, 0.3, 0.7, 0.01)])
    func gilbertElliottLossWithinBinomialBound(p: Double, r: Double, bad: Double, good: Double) {
        let model = LossModel.gilbertElliott(p: p, r: r, lossInBad: bad, lossInGood: good)
        var rng = SeededRandom(seed: 2024)
        var loss = LossProcess(model: model, rng: &rng)
        let n = 200_000
        var lost = 0
        for _ in 0..<n where loss.nextIsLost(using: &rng) { lost += 1 }
        let rate = model.stationaryLossRate
        // Binomial variance inflated by the chain's correlation (1 + ρ)/(1 − ρ), ρ = 1 − p − r.
        let rho = 1 - p - r
        let sd = (rate * (1 - rate) / Double(n) * (1 + rho) / (1 - rho)).squareRoot()
        #expect(abs(Double(lost) / Double(n) - rate) < 4 * sd, "observed \(Double(lost) / Double(n)) expected \(rate)")
    }

    @Test func distributionsAreNonNegativeAndRoughlyRight() {
        var rng = SeededRandom(seed: 1)
        let cases: [(DelayDistribution, Double)] = [
            (.fixed(0.5), 0.5), (.uniform(min: 1, max: 3), 2), (.exponential(mean: 0.2), 0.2),
            (.lognormal(median: 0.01, sigma: 0.5), 0.01 * 1.1331), (.pareto(scale: 1, shape: 3), 1.5),
        ]
        for (d, mean) in cases {
            var sum = 0.0
            for _ in 0..<50_000 {
                let x = d.sample(using: &rng)
                #expect(x >= 0)
                sum += x
            }
            #expect(abs(sum / 50_000 - mean) < 0.05 * mean, "\(d)")
        }
        #expect(DelayDistribution.normal(mean: 0, standardDeviation: 1).sample(using: &rng) >= 0)
    }
}
