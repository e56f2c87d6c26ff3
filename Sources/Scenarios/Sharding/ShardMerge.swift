import Foundation

/// Merges shard files into the results of the whole run, refusing any set that is not exactly the N shards of one
/// run: different inputs, a shard missing, one given twice, or a shard whose results are not its assigned units.
public enum ShardMerge {
    /// A shard file and where it was read from.
    public typealias Shard = (path: String, file: ShardFile)

    /// Checks that `shards` are the N shards, 1/N … N/N each once, of one command on the same inputs; returns them
    /// ordered by K.
    public static func validate(_ shards: [Shard]) throws(ShardError) -> [Shard] {
        guard let first = shards.first else { throw ShardError("no shards to merge") }
        for s in shards.dropFirst() {
            let diff = first.file.manifest.differences(from: s.file.manifest)
            guard diff.isEmpty else {
                throw ShardError("shards of different inputs: \(first.path) (shard \(first.file.manifest.shard)) and \(s.path) "
                    + "(shard \(s.file.manifest.shard)) differ in \(diff.joined(separator: "; ")); merge only the shards of one run")
            }
        }
        let n = first.file.manifest.shard.count
        var byIndex: [Int: String] = [:]
        for s in shards {
            let k = s.file.manifest.shard.index
            if let other = byIndex[k] {
                throw ShardError("overlapping shards: shard \(k)/\(n) is both \(other) and \(s.path)")
            }
            byIndex[k] = s.path
        }
        let missing = (1...n).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            let have = byIndex.keys.sorted().map { "\($0)/\(n)" }.joined(separator: ", ")
            throw ShardError("missing shards: \(missing.map { "\($0)/\(n)" }.joined(separator: ", ")) (have \(have)); "
                + "every shard 1/\(n) … \(n)/\(n) must have finished")
        }
        return shards.sorted { $0.file.manifest.shard.index < $1.file.manifest.shard.index }
    }

    /// `fwdlab run` shards: every scenario's result in suite order.
    public static func mergeRun(_ shards: [Shard]) throws(ShardError) -> [ScenarioResult] {
        let ordered = try validate(shards)
        let manifest = ordered[0].file.manifest
        guard manifest.command == "run" else { throw ShardError("\(ordered[0].path): a shard of fwdlab \(manifest.command), not of fwdlab run") }
        let files = RunSharding.files(manifest)
        guard files.count == manifest.unitCount else {
            throw ShardError("\(ordered[0].path): the manifest lists \(files.count) scenario files but \(manifest.unitCount) units")
        }
        var results = [ScenarioResult?](repeating: nil, count: files.count)
        for s in ordered {
            let expected = s.file.manifest.shard.units(of: files.count)
            let entries = s.file.scenarios ?? []
            guard entries.map(\.path) == expected.map({ files[$0] }) else {
                throw ShardError("\(s.path): shard \(s.file.manifest.shard) holds results for [\(entries.map(\.path).joined(separator: ", "))] "
                    + "but owns [\(expected.map { files[$0] }.joined(separator: ", "))] (an interrupted or edited shard)")
            }
            for (u, e) in zip(expected, entries) { results[u] = e.result }
        }
        return results.compactMap { $0 }
    }

    /// `fwdlab tune` shards: the engine (model and trace rebuilt from the shards' texts), the objective and the sweep
    /// aggregated from every run, exactly as the unsharded `TuningEngine.run` aggregates it.
    public static func mergeTune(_ shards: [Shard]) throws(ShardError) -> (engine: TuningEngine, sweep: TuningSweep, objective: TuningObjective) {
        let ordered = try validate(shards)
        let manifest = ordered[0].file.manifest
        guard manifest.command == "tune", let data = ordered[0].file.tune else {
            throw ShardError("\(ordered[0].path): a shard of fwdlab \(manifest.command), not of fwdlab tune")
        }
        let grid = data.grid
        if let problem = grid.validationErrors.first { throw ShardError("\(ordered[0].path): \(problem)") }
        guard TuneSharding.inputs(data) == manifest.inputs, TuneSharding.unitCount(grid) == manifest.unitCount else {
            throw ShardError("\(ordered[0].path): its tuning inputs do not match its manifest (an edited shard file)")
        }
        let model: NetworkModel
        let trace: HeartbeatTrace?
        do {
            (model, trace) = try TuneSharding.rebuild(data)
        } catch {
            throw ShardError("\(ordered[0].path): \(error)")
        }
        let lanes = grid.detectors.count * grid.thresholds.count
        var outcomes = [[RunOutcome?]](repeating: [RunOutcome?](repeating: nil, count: grid.seeds), count: grid.intervals.count)
        var wall = 0.0
        for s in ordered {
            guard let d = s.file.tune else { throw ShardError("\(s.path): no tuning runs in it") }
            let expected = s.file.manifest.shard.units(of: manifest.unitCount).map { TuneSharding.unit($0, grid) }
            guard d.runs.map({ [$0.intervalIndex, $0.seedIndex] }) == expected.map({ [$0.interval, $0.seed] }) else {
                throw ShardError("\(s.path): shard \(s.file.manifest.shard) holds \(d.runs.count) runs, not its \(expected.count) "
                    + "(interval, seed) units (an interrupted or edited shard)")
            }
            for r in d.runs {
                guard r.lanes.count == lanes else {
                    throw ShardError("\(s.path): run (interval \(r.intervalIndex), seed \(r.seedIndex)) has \(r.lanes.count) lanes, the grid \(lanes)")
                }
                outcomes[r.intervalIndex][r.seedIndex] = r.outcome
            }
            wall += s.file.manifest.wallSeconds
        }
        let complete = outcomes.map { $0.compactMap { $0 } }
        let sweep = TuningSweep.aggregate(model: model, traceSource: trace?.source, grid: grid, outcomes: complete, wallSeconds: wall)
        return (TuningEngine(model: model, trace: trace, grid: grid), sweep, data.objective)
    }
}

/// How `fwdlab run` is sharded: the units are the suite's scenario files in their sorted order (the order
/// `SuiteRunner.scenarioFiles` gives and the suite reports in). `run` has one `--seed` for every scenario, so a
/// scenario is one unit.
public enum RunSharding {
    /// This shard's files of the suite's sorted `files`.
    public static func select(_ files: [String], shard: ShardSpec) -> [String] {
        shard.units(of: files.count).map { files[$0] }
    }

    /// The manifest's inputs: the path argument, every file by content, and every option that can change a verdict.
    public static func inputs(path: String, files: [String], options: RunOptions, root: Bool) -> [String: String] {
        var inputs: [String: String] = [
            "path": path,
            "files": files.joined(separator: "\n"),
            "seed": options.seed.map { "\($0)" } ?? "each scenario's",
            "time_scale": options.timeScale.map { "\($0)" } ?? "each scenario's",
            "agent": options.agentMode.rawValue,
            "receivers": options.receiverMode.rawValue,
            "strict": "\(options.strict)",
            "capture": "\(options.capture)",
            "root": "\(root)",
            "set": options.overrides.keys.sorted().map { "\($0)=\(options.overrides[$0]!)" }.joined(separator: ","),
        ]
        for f in files {
            let text = (try? String(contentsOfFile: f, encoding: .utf8)) ?? "(unreadable)"
            inputs["file " + f] = ShardManifest.fileIdentity(text)
        }
        return inputs
    }

    /// The suite's files recorded in a manifest.
    public static func files(_ manifest: ShardManifest) -> [String] {
        let list = manifest.inputs["files"] ?? ""
        return list.isEmpty ? [] : list.components(separatedBy: "\n")
    }
}
