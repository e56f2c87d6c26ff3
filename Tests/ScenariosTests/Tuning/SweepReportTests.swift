import Agent
import Foundation
import Testing

@testable import Scenarios

/// The sweep, recommendation, confidence and report files on a small grid.
@Suite struct SweepReportTests {
    static func smallSweep(detectors: [DetectorChoice] = [.fluentd]) async -> (TuningEngine, TuningSweep) {
        var grid = TuningGrid()
        grid.intervals = [0.5, 1, 2]
        grid.thresholds = [2, 4, 8, 16]
        grid.detectors = detectors
        grid.seeds = 6
        grid.hours = 0.25
        var model = NetworkModel.standard
        model.stalls.ratePerHour = 120
        model.stalls.duration = .pareto(scale: 0.5, shape: 1.1)
        let engine = TuningEngine(model: model, grid: grid)
        return (engine, await engine.run())
    }

    @Test func gridParsing() throws {
        #expect(try TuningGrid.parseThresholds("8..12") == [8, 9, 10, 11, 12])
        #expect(try TuningGrid.parseThresholds("8..32:8") == [8, 16, 24, 32])
        #expect(try TuningGrid.parseThresholds("4, 8,16") == [4, 8, 16])
        #expect(try TuningGrid.parseList("0.5,1,500ms", what: "intervals") == [0.5, 1, 0.5])
        #expect(throws: TuningError.self) { try TuningGrid.parseThresholds("9..3") }
        #expect(throws: TuningError.self) { try TuningGrid.parseList("1,x", what: "intervals") }
    }

    @Test func sweepSummariesAreConsistent() async {
        let (_, sweep) = await Self.smallSweep()
        #expect(sweep.points.count == 12)
        #expect(sweep.runs == 18)
        for p in sweep.points {
            if let a = p.latencyP50, let b = p.latencyP95 { #expect(a <= b) }
            #expect(p.healthyHours > 0)
            #expect(p.flaps <= p.falseDetaches)
        }
        // Lower thresholds never detach less often on the same realisations.
        for i in 0..<3 {
            let row = (0..<4).map { sweep.points[i * 4 + $0].falseDetaches }
            #expect(row == row.sorted(by: >), "\(row)")
        }
        #expect(sweep.points.contains { $0.pareto })
        #expect(sweep.points.contains { $0.falseDetaches > 0 })
    }

    @Test func recommendationMeetsAFeasibleObjective() async {
        let (_, sweep) = await Self.smallSweep()
        let recs = TuningRecommendation.recommend(sweep, objective: TuningObjective(detectWithin: nil, maxFalsePerDay: 1000), resamples: 200)
        let r = try! #require(recs.first)
        #expect(r.feasible)
        #expect(r.point.falsePerDay <= 1000)
        // Fastest among feasible.
        let feasible = sweep.points.filter { $0.falsePerDay <= 1000 }.compactMap(\.latencyP95)
        #expect(r.point.latencyP95 == feasible.min())
        #expect(r.confidence >= 0 && r.confidence <= 1)
        #expect(r.latencyInterval[0] <= r.latencyInterval[1])
    }

    @Test func impossibleObjectiveIsReportedAsNotMet() async {
        let (_, sweep) = await Self.smallSweep()
        let recs = TuningRecommendation.recommend(sweep, objective: TuningObjective(detectWithin: 0.01, maxFalsePerDay: 0), resamples: 100)
        #expect(recs.first?.feasible == false)
        #expect(recs.first?.confidence == 0)
    }

    @Test func reportFilesAreWrittenAndSelfContained() async throws {
        let (engine, sweep) = await Self.smallSweep(detectors: DetectorChoice.allCases)
        let objective = TuningObjective(detectWithin: 20, maxFalsePerDay: 50)
        let recs = TuningRecommendation.recommend(sweep, objective: objective, resamples: 100)
        #expect(recs.count == 3)
        let examples = PhiTraceExample.select(engine: engine, sweep: sweep, recommendations: recs, perDetector: 1)
        #expect(examples.contains { $0.kind == .death })
        #expect(examples.allSatisfy { !$0.samples.isEmpty })
        let doc = TuningReportDocument(sweep: sweep, objective: objective, recommendations: recs, phiTraces: examples)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fwdlab-tune-test-\(UInt64.random(in: 0...UInt64.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = try doc.write(to: dir)
        #expect(paths.count == 3)
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(html.contains("hard_timeout wall"))
        #expect(html.contains("Pareto frontier"))
        #expect(!html.contains("src=\"http"))
        #expect(!html.contains("<script src"))
        #expect(!html.contains("<link"))
        let csv = try String(contentsOfFile: dir + "/tune.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + sweep.points.count)
        let json = try Data(contentsOf: URL(fileURLWithPath: dir + "/tune.json"))
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        #expect((object?["points"] as? [Any])?.count == sweep.points.count)
        #expect(doc.terminalTable().contains("Recommended (fluentd)"))
    }

    @Test func phiTraceRerunMatchesTheSweep() async throws {
        let (engine, sweep) = await Self.smallSweep()
        let i = try #require(sweep.points.indices.first { sweep.points[$0].falseDetaches > 0 })
        let p = sweep.points[i]
        let seed = try #require(sweep.samples[i].firstFalseDetach.firstIndex { $0 != nil })
        let at = try #require(sweep.samples[i].firstFalseDetach[seed])
        let ii = try #require(sweep.grid.intervals.firstIndex(of: p.interval))
        let t = engine.phiTrace(detector: p.detector, intervalIndex: ii, threshold: p.threshold, seedIndex: seed, window: (at - 10)...(at + 1))
        let detach = try #require(t.samples.first { $0.kind == .detach })
        #expect(detach.time == at)
        #expect(detach.phi > p.threshold || t.outcome.lanes[0].falseDetachesByHardTimeout > 0)
    }
}
