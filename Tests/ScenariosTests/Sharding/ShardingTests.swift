import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import Scenarios

/// Sharded runs (docs/sharding.md): the assignment, the merge of 4 shards against the unsharded run (tune in virtual
/// time, run on tiny loopback scenarios), and the merge's refusals.
@Suite struct ShardingTests {
    // MARK: - the --shard value and the assignment

    @Test func parsesKOfNAndRefusesWhatIsNot() throws {
        #expect(try ShardSpec.parse("1/4") == ShardSpec(index: 1, count: 4))
        #expect(try ShardSpec.parse("4/4").index == 4)
        #expect(try ShardSpec.parse("1/1") == .whole)
        let cases: [(String, String)] = [
            ("5/4", "K must not exceed N (got 5/4)"),
            ("1/0", "N must be at least 1 (got 0)"),
            ("0/4", "K is 1-based"),
            ("-1/4", "K is 1-based"),
            ("a/4", "expected K/N"),
            ("1/", "expected K/N"),
            ("1/2/3", "expected K/N"),
            ("", "expected K/N"),
            ("2", "expected K/N"),
        ]
        for (text, message) in cases {
            do {
                _ = try ShardSpec.parse(text)
                Issue.record("'\(text)' was accepted")
            } catch {
                #expect(error.message.contains(message), "'\(text)': \(error.message)")
            }
        }
    }

    /// Every unit in exactly one shard, sizes within one of each other, and the owner a function of the unit's
    /// position and N alone.
    @Test func everyUnitInExactlyOneShardBalanced() throws {
        for n in 1...7 {
            for units in [0, 1, 3, 7, 23, 100] {
                var seen = [Int](repeating: 0, count: units)
                var sizes: [Int] = []
                for k in 1...n {
                    let shard = try ShardSpec(index: k, count: n)
                    let mine = shard.units(of: units)
                    #expect(mine == (0..<units).filter(shard.owns), "units(of:) agrees with owns, \(k)/\(n) of \(units)")
                    for u in mine {
                        seen[u] += 1
                        #expect(ShardSpec.owner(of: u, count: n) == k)
                    }
                    sizes.append(mine.count)
                }
                #expect(seen.allSatisfy { $0 == 1 }, "N \(n), \(units) units: each in exactly one shard")
                #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1, "N \(n), \(units) units: sizes \(sizes)")
            }
        }
        // Stable: a shard's files are the same whichever order the files were listed in (the suite sorts them) and
        // whichever other shards run.
        let files = (0..<10).map { "dir/s\($0).yaml" }
        let shard = try ShardSpec(index: 2, count: 3)
        #expect(RunSharding.select(files, shard: shard) == ["dir/s1.yaml", "dir/s4.yaml", "dir/s7.yaml"])
        // The tuning units are interval-major: with more seeds than shards every interval is split evenly.
        var grid = TuningGrid()
        grid.intervals = [0.5, 1, 2]
        grid.seeds = 8
        for k in 1...4 {
            let mine = try ShardSpec(index: k, count: 4).units(of: TuneSharding.unitCount(grid)).map { TuneSharding.unit($0, grid) }
            for i in grid.intervals.indices { #expect(mine.filter { $0.interval == i }.count == 2, "shard \(k)/4, interval \(i)") }
        }
    }

    // MARK: - tune: 4 shards against the unsharded sweep

    static func smallGrid() -> TuningGrid {
        var g = TuningGrid()
        g.intervals = [0.5, 1, 2]
        g.thresholds = [8, 16]
        g.detectors = [.fluentd, .normal]
        g.seeds = 3
        g.hours = 0.05
        g.baseSeed = 7
        return g
    }

    /// Writes a report after making its wall-clock parts fixed (docs/sharding.md, "What is not compared").
    static func reportFiles(_ doc: TuningReportDocument, into dir: String) throws -> [String: String] {
        var d = doc
        d.generatedAt = "T"
        d.wallSeconds = 0
        d.simulatedHoursPerSecond = 0
        _ = try d.write(to: dir)
        var out: [String: String] = [:]
        for f in ["tune.json", "tune.csv", "report.html"] { out[f] = try String(contentsOfFile: dir + "/" + f, encoding: .utf8) }
        return out
    }

    static func tuneShards(grid: TuningGrid, networkPath: String?, tracePath: String? = nil, objective: TuningObjective = TuningObjective(),
                           n: Int, in dir: String) async throws -> [String] {
        let model = try networkPath.map { try NetworkModelLoader.load(path: $0) } ?? .standard
        let engine = TuningEngine(model: model, trace: try tracePath.map { try HeartbeatTrace.load(path: $0) }, grid: grid)
        var dirs: [String] = []
        for k in 1...n {
            let data = TuneShardData(grid: grid, objective: objective, networkPath: networkPath,
                                     networkText: try networkPath.map { try String(contentsOfFile: $0, encoding: .utf8) },
                                     tracePath: tracePath, traceText: try tracePath.map { try String(contentsOfFile: $0, encoding: .utf8) }, runs: [])
            // A different worker count per shard: outcomes must not depend on it.
            let file = await TuneSharding.runShard(engine: engine, shard: try ShardSpec(index: k, count: n), data: data, workers: k)
            let d = dir + "/shard\(k)"
            _ = try file.write(to: d)
            dirs.append(d)
        }
        return dirs
    }

    @Test func fourTuneShardsMergeToTheUnshardedReport() async throws {
        let dir = ScenarioRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let grid = Self.smallGrid()
        let network = ScenarioTestSupport.root + "/fixtures/networks/gc-pauses.yaml"
        let engine = TuningEngine(model: try NetworkModelLoader.load(path: network), grid: grid)
        let whole = await engine.run(workers: 2)
        let wholeDoc = TuningReportDocument.build(engine: engine, sweep: whole, objective: TuningObjective())

        let dirs = try await Self.tuneShards(grid: grid, networkPath: network, n: 4, in: dir)
        let merged = try ShardMerge.mergeTune(try ShardFile.find(dirs.reversed()))
        let mergedDoc = TuningReportDocument.build(engine: merged.engine, sweep: merged.sweep, objective: merged.objective)

        #expect(merged.sweep.points == whole.points)
        #expect(merged.sweep.samples == whole.samples)
        #expect(merged.sweep.runs == whole.runs && merged.sweep.events == whole.events)
        #expect(merged.sweep.simulatedSeconds == whole.simulatedSeconds)
        #expect(mergedDoc.recommendations == wholeDoc.recommendations && !wholeDoc.recommendations.isEmpty)
        #expect(mergedDoc.phiTraces == wholeDoc.phiTraces)
        let a = try Self.reportFiles(wholeDoc, into: dir + "/whole")
        let b = try Self.reportFiles(mergedDoc, into: dir + "/merged")
        for f in ["tune.json", "tune.csv", "report.html"] {
            #expect(a[f] == b[f], "\(f) of the merge is byte for byte the unsharded one's")
        }
        #expect(a["tune.csv"]?.contains(",1\n") == true, "a recommended row is marked")
    }

    /// With a replayed trace, the built-in model and a latency target: the merge rebuilds the trace from the shards'
    /// text (its source names the file, as in the unsharded report) and gives the same report.
    @Test func traceReplayShardsMergeToTheUnshardedReport() async throws {
        let dir = ScenarioRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var grid = Self.smallGrid()
        grid.detectors = [.fluentd, .exponential]
        let trace = ScenarioTestSupport.root + "/fixtures/networks/example-trace.txt"
        let objective = TuningObjective(detectWithin: 10)
        let engine = TuningEngine(model: .standard, trace: try HeartbeatTrace.load(path: trace), grid: grid)
        let whole = TuningReportDocument.build(engine: engine, sweep: await engine.run(workers: 3), objective: objective)
        let dirs = try await Self.tuneShards(grid: grid, networkPath: nil, tracePath: trace, objective: objective, n: 4, in: dir)
        let merged = try ShardMerge.mergeTune(try ShardFile.find(dirs))
        #expect(merged.engine.trace?.source == trace && merged.objective == objective)
        let doc = TuningReportDocument.build(engine: merged.engine, sweep: merged.sweep, objective: merged.objective)
        #expect(doc.traceSource == trace)
        let a = try Self.reportFiles(whole, into: dir + "/whole")
        let b = try Self.reportFiles(doc, into: dir + "/merged")
        for f in ["tune.json", "tune.csv", "report.html"] { #expect(a[f] == b[f], "\(f)") }
        // Another trace file of the same name would be another input.
        var file = try ShardFile.load(path: dirs[0] + "/shard-1-of-4.json")
        file.tune?.traceText = "0\n1\n2\n"
        file.manifest = ShardManifest(command: "tune", shard: file.manifest.shard, inputs: TuneSharding.inputs(try #require(file.tune)),
                                      unitCount: file.manifest.unitCount)
        _ = try file.write(to: dir + "/othertrace")
        do {
            _ = try ShardMerge.mergeTune(try ShardFile.find([dir + "/othertrace"] + dirs.dropFirst()))
            Issue.record("a shard of another trace merged")
        } catch {
            #expect(error.message.contains("differ in trace:"), "\(error.message)")
        }
    }

    /// A recorded outcome survives the shard file exactly: every Double, the infinities and the nils.
    @Test func runOutcomesRoundTripExactly() throws {
        var lane = LaneOutcome()
        lane.healthySeconds = 0.1 + 0.2
        lane.recoverySecondsMax = 1e-300
        lane.detectionLatency = 35.84 + 1.0 / 3
        lane.detectionPhi = .infinity
        lane.detectionCause = .hardTimeout
        lane.firstFalseDetach = nil
        let o = RunOutcome(seed: .max, heartbeatInterval: 1.0 / 7, deathTime: 1234.5678901234567, lastHeartbeatBeforeDeath: nil,
                           lastArrivalBeforeDeath: -0.0, simulatedSeconds: 3600.000000000001, events: 7, probesSent: 3, probesAnswered: 2,
                           stalls: 1, lanes: [lane, LaneOutcome()], phiTrace: [])
        let manifest = ShardManifest(command: "tune", shard: .whole, inputs: [:], unitCount: 1)
        var grid = TuningGrid()
        grid.seeds = 1
        let data = TuneShardData(grid: grid, objective: TuningObjective(), runs: [TuneShardRun(intervalIndex: 0, seedIndex: 0, o)])
        let dir = ScenarioRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let back = try ShardFile.load(path: try ShardFile(manifest: manifest, tune: data).write(to: dir))
        let r = try #require(back.tune?.runs.first?.outcome)
        #expect(r == o)
        #expect(r.lanes[0].healthySeconds.bitPattern == (0.1 + 0.2).bitPattern)
        #expect(r.lastArrivalBeforeDeath?.sign == .minus)
    }

    // MARK: - refusals

    @Test func mergeRefusesMissingOverlappingAndForeignShards() async throws {
        let dir = ScenarioRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var grid = Self.smallGrid()
        grid.intervals = [1]
        grid.thresholds = [8]
        grid.detectors = [.fluentd]
        grid.hours = 0.01
        let dirs = try await Self.tuneShards(grid: grid, networkPath: nil, n: 3, in: dir)
        func refusal(_ paths: [String]) -> String {
            do {
                _ = try ShardMerge.mergeTune(try ShardFile.find(paths))
                return "(merged)"
            } catch {
                return error.message
            }
        }
        #expect(refusal([dirs[0], dirs[2]]).contains("missing shards: 2/3 (have 1/3, 3/3)"), "\(refusal([dirs[0], dirs[2]]))")
        #expect(refusal(dirs + [dirs[1]]).contains("overlapping shards: shard 2/3 is both"))
        #expect(refusal([]).contains("no shards"))
        #expect(refusal(dirs) == "(merged)")

        // The same grid with other seeds: different inputs, named.
        var other = grid
        other.baseSeed = 99
        let foreign = try await Self.tuneShards(grid: other, networkPath: nil, n: 3, in: dir + "/other")
        let mixed = refusal([dirs[0], foreign[1], dirs[2]])
        #expect(mixed.contains("shards of different inputs") && mixed.contains("seed: '7' vs '99'"), "\(mixed)")
        // Other N.
        let four = try await Self.tuneShards(grid: grid, networkPath: nil, n: 4, in: dir + "/four")
        #expect(refusal([dirs[0], four[1], dirs[2]]).contains("shard count N: 3 vs 4"))

        // A shard that lost runs (interrupted, edited).
        let path = dirs[1] + "/shard-2-of-3.json"
        var file = try ShardFile.load(path: path)
        file.tune?.runs.removeLast()
        _ = try file.write(to: dir + "/edited")
        #expect(refusal([dirs[0], dir + "/edited", dirs[2]]).contains("holds 0 runs, not its 1"), "\(refusal([dirs[0], dir + "/edited", dirs[2]]))")

        // Not a shard at all.
        try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
        #expect(refusal([dir + "/empty"]).contains("no shard-K-of-N.json in it"))
        try "{\"format\": 1}".write(toFile: dir + "/empty/shard-1-of-1.json", atomically: true, encoding: .utf8)
        #expect(refusal([dir + "/empty"]).contains("not a shard file") && refusal([dir + "/empty"]).contains("manifest"))
        #expect(refusal([dir + "/nowhere"]).contains("no such file"))

        // A run shard given to the tune merge and the other way round.
        let runManifest = ShardManifest(command: "run", shard: .whole, inputs: ["files": ""], unitCount: 0)
        let runPath = try ShardFile(manifest: runManifest, scenarios: []).write(to: dir + "/run")
        #expect(refusal([runPath]).contains("not of fwdlab tune"))
        do {
            _ = try ShardMerge.mergeRun(try ShardFile.find(dirs))
            Issue.record("tune shards merged as a run")
        } catch {
            #expect(error.message.contains("not of fwdlab run"))
        }
        #expect(try ShardMerge.mergeRun(try ShardFile.find([runPath])).isEmpty, "an empty suite merges to nothing")
    }

    // MARK: - run: 4 shards of tiny scenarios against the unsharded suite

    /// A second of load to one receiver; `extra` adds expectations.
    static func tiny(_ name: String, extra: String = "") -> String {
        """
        name: \(name)
        seed: 5
        receivers:
          - {name: r1}
        agent:
          config: |
            <match **>
              @type forward
              heartbeat_type transport
              heartbeat_interval 0.5
              ${servers}
              <buffer>
                flush_mode interval
                flush_interval 0.1
                flush_thread_interval 0.1
              </buffer>
            </match>
        load: {rate: 50, duration: 0.5s}
        drain: 0.5s
        capture: false
        expectations:
          - no_loss
          - no_detach: {node: r1}
        \(extra)
        """
    }

    /// Removes the JUnit file's wall-clock attribute (`time="…"` of each testsuite).
    static func junitWithoutTimes(_ xml: String) -> String {
        xml.replacingOccurrences(of: #" time="[^"]*""#, with: "", options: .regularExpression)
    }

    @Test func fourRunShardsMergeToTheUnshardedVerdictsAndJUnit() async throws {
        let dir = ScenarioRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let suite = dir + "/suite"
        try FileManager.default.createDirectory(atPath: suite, withIntermediateDirectories: true)
        try Self.tiny("a-pass").write(toFile: suite + "/a.yaml", atomically: true, encoding: .utf8)
        try Self.tiny("b-fail", extra: "  - detach: {node: r1, within: [0s, 1s]}").write(toFile: suite + "/b.yaml", atomically: true, encoding: .utf8)
        try ("status: pending\npending_reason: later\n" + Self.tiny("c-pending")).write(toFile: suite + "/c.yaml", atomically: true, encoding: .utf8)
        try "name: d-broken\n".write(toFile: suite + "/d.yaml", atomically: true, encoding: .utf8)
        try Self.tiny("e-pass").write(toFile: suite + "/e.yaml", atomically: true, encoding: .utf8)
        var options = ScenarioRunnerTests.options()
        let quiet: @Sendable (String) -> Void = { _ in }

        options.outDirectory = dir + "/whole"
        let whole = await SuiteRunner(options: options, output: quiet).run(path: suite)
        #expect(whole.map { "\($0.scenario) \($0.verdict)" } == ["a-pass passed", "b-fail failed", "c-pending skipped", "d failed", "e-pass passed"],
                "\(whole.map(\.line))")

        let files = SuiteRunner.scenarioFiles(suite)
        var dirs: [String] = []
        for k in 1...4 {
            let shard = try ShardSpec(index: k, count: 4)
            options.outDirectory = dir + "/shard\(k)"
            let mine = RunSharding.select(files, shard: shard)
            let results = mine.isEmpty ? [] : await SuiteRunner(options: options, output: quiet).run(files: mine)
            let manifest = ShardManifest(command: "run", shard: shard, inputs: RunSharding.inputs(path: suite, files: files, options: options, root: false),
                                         unitCount: files.count)
            _ = try ShardFile(manifest: manifest, scenarios: results.map(SuiteSummary.Entry.init)).write(to: options.outDirectory!)
            dirs.append(options.outDirectory!)
        }
        let shards = try ShardFile.find(dirs.shuffled())
        let merged = try ShardMerge.mergeRun(shards)
        #expect(merged.map { "\($0.scenario) \($0.verdict)" } == whole.map { "\($0.scenario) \($0.verdict)" })
        #expect(SuiteRunner.closingLines(merged) == ["(1 skipped)", "2 passed, 2 failed"])
        #expect(Self.junitWithoutTimes(JUnitWriter.render(merged)) == Self.junitWithoutTimes(JUnitWriter.render(whole)))
        // The summary: equal to the unsharded one in everything but the wall-clock fields and the real-time measurements.
        func judged(_ s: SuiteSummary) -> [String] {
            s.scenarios.map { e in "\(e.scenario) \(e.path) \(e.seed) \(e.verdict) \(e.reason ?? "-") " + e.expectations.map { "\($0.key):\($0.statement):\($0.status)" }.joined(separator: ",") }
        }
        #expect(judged(SuiteSummary(merged)) == judged(SuiteSummary(whole)))
        #expect(SuiteSummary(merged).failed == 2 && SuiteSummary(merged).skipped == 1)
        // And exactly each shard's own results, wall-clock fields included.
        let fromShards = Dictionary(uniqueKeysWithValues: shards.flatMap { $0.file.scenarios ?? [] }.map { ($0.path, $0) })
        #expect(SuiteSummary(merged).scenarios == files.compactMap { fromShards[$0] })
    }

    // MARK: - the command line

    /// `fwdlab run --shard` twice and `fwdlab report merge` through the built binary: the merged suite.json and JUnit
    /// file are the unsharded run's (`--summary`, `--junit`) but for the wall-clock fields; bad values are refused.
    @Test func runShardsAndMergeThroughTheCommandLine() throws {
        let dir = ScenarioRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let suite = dir + "/suite"
        try FileManager.default.createDirectory(atPath: suite, withIntermediateDirectories: true)
        try Self.tiny("a-pass").write(toFile: suite + "/a.yaml", atomically: true, encoding: .utf8)
        try Self.tiny("b-pass").write(toFile: suite + "/b.yaml", atomically: true, encoding: .utf8)
        try "name: c-broken\n".write(toFile: suite + "/c.yaml", atomically: true, encoding: .utf8)
        let run = CommandLineTests.run

        let whole = try run(["run", suite, "--out", dir + "/whole", "--summary", dir + "/whole.json", "--junit", dir + "/whole.xml"], 60)
        #expect(whole.status == 1 && whole.out.contains("2 passed, 1 failed"), "\(whole.out)\(whole.err)")
        let one = try run(["run", suite, "--shard", "1/2", "--out", dir + "/shards"], 60)
        #expect(one.status == 1 && one.out.contains("shard 1/2: 2 of 3 scenarios"), "\(one.out)\(one.err)")
        let partial = try run(["report", "merge", dir + "/shards", "--out", dir + "/partial"], 30)
        #expect(partial.status == 2 && partial.err.contains("missing shards: 2/2 (have 1/2)"), "\(partial.err)")
        let two = try run(["run", suite, "--shard", "2/2", "--out", dir + "/shards"], 60)
        #expect(two.status == 0 && two.out.contains("shard 2/2: 1 of 3 scenarios"), "\(two.out)\(two.err)")
        let merged = try run(["report", "merge", dir + "/shards", "--out", dir + "/merged"], 30)
        #expect(merged.status == 1, "a failed scenario fails the merge too: \(merged.out)\(merged.err)")
        #expect(merged.out.contains("PASS a-pass") && merged.out.contains("FAIL c ") && merged.out.contains("2 passed, 1 failed"), "\(merged.out)")

        func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(missing \(path))" }
        func withoutWallClock(_ json: String) -> String {
            json.split(separator: "\n").filter { !$0.contains("\"wallSeconds\"") && !$0.contains("\"reportDirectory\"") }.joined(separator: "\n")
        }
        #expect(withoutWallClock(text(dir + "/merged/suite.json")) == withoutWallClock(text(dir + "/whole.json")))
        #expect(Self.junitWithoutTimes(text(dir + "/merged/junit.xml")) == Self.junitWithoutTimes(text(dir + "/whole.xml")))
        let copied = try FileManager.default.contentsOfDirectory(atPath: dir + "/merged").filter { $0.hasPrefix("a-pass-") || $0.hasPrefix("b-pass-") }
        #expect(copied.count == 2, "each scenario's report directory is in the merged report: \(copied)")

        for (args, message) in [(["run", suite, "--shard", "3/2"], "K must not exceed N (got 3/2)"),
                                (["run", suite, "--shard", "1/2", "--mutants"], "--shard cannot be combined with --mutants"),
                                (["tune", "--shard", "0/4"], "K is 1-based"),
                                (["tune", "--shard", "1/0"], "N must be at least 1")] {
            let r = try run(args, 30)
            #expect(r.status != 0 && r.err.contains(message), "\(args): \(r.err)")
        }
    }
}
