import ArgumentParser
import Foundation
import Scenarios

/// `fwdlab report`: work on the outputs of earlier runs.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Work on the outputs of earlier runs (merge shards).",
        subcommands: [ReportMergeCommand.self])
}

/// `fwdlab report merge`: the N shards of a `fwdlab run --shard` or `fwdlab tune --shard` as the unsharded run's report.
struct ReportMergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shards of a sharded run or tune into one report.",
        discussion: """
            Reads shard-K-of-N.json from each DIR (or the files given) and refuses a missing shard, a shard given twice \
            and shards of different inputs. Tune shards: writes tune.json, tune.csv and report.html to --out and prints \
            the sweep's table, as the unsharded `fwdlab tune` would. Run shards: prints every scenario's line in suite \
            order and the closing "N passed, N failed" line, writes suite.json and junit.xml to --out, copies each \
            scenario's report directory there, and exits 1 when any scenario failed. docs/sharding.md.
            """)

    @Argument(help: "Shard output directories (each holding shard-K-of-N.json), or shard files.")
    var paths: [String]

    @Option(help: "Directory for the merged report (default reports/merge-<time>/).")
    var out: String?

    func run() async throws {
        let stderr = FileHandle.standardError
        func fail(_ message: String) -> ExitCode {
            stderr.write(Data("fwdlab report merge: \(message)\n".utf8))
            return ExitCode(2)
        }
        guard !paths.isEmpty else { throw fail("name the shard directories to merge") }
        let shards: [ShardMerge.Shard]
        do { shards = try ShardFile.find(paths) } catch { throw fail(error.message) }
        let directory = out ?? "reports/merge-" + TuneCommand.timestamp()
        switch shards.first?.file.manifest.command {
        case "tune":
            let merged: (engine: TuningEngine, sweep: TuningSweep, objective: TuningObjective)
            do { merged = try ShardMerge.mergeTune(shards) } catch { throw fail(error.message) }
            let doc = TuningReportDocument.build(engine: merged.engine, sweep: merged.sweep, objective: merged.objective)
            print("merged \(shards.count) tune shards")
            do {
                try TuneCommand.report(doc: doc, sweep: merged.sweep, model: merged.engine.model, trace: merged.engine.trace, directory: directory)
            } catch {
                throw fail(error.description)
            }
        case "run":
            var results: [ScenarioResult]
            do { results = try ShardMerge.mergeRun(shards) } catch { throw fail(error.message) }
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw fail("\(directory): cannot create the output directory: \(error.localizedDescription)")
            }
            let shardOf = Dictionary(shards.flatMap { s in (s.file.scenarios ?? []).map { ($0.path, s.path) } }, uniquingKeysWith: { first, _ in first })
            for i in results.indices {
                guard let recorded = results[i].reportDirectory else { continue }
                results[i].reportDirectory = Self.copyReport(recorded, shardFile: shardOf[results[i].path] ?? "", into: directory)
            }
            print("merged \(shards.count) run shards")
            for r in results { print(r.line) }
            for line in SuiteRunner.closingLines(results) { print(line) }
            let suite = (directory as NSString).appendingPathComponent("suite.json")
            let junit = (directory as NSString).appendingPathComponent("junit.xml")
            do {
                try SuiteSummary(results).json().write(to: URL(fileURLWithPath: suite))
                try JUnitWriter.render(results).write(toFile: junit, atomically: true, encoding: .utf8)
            } catch {
                throw fail("\(directory): cannot write the merged report: \(error.localizedDescription)")
            }
            print("wrote \(suite)")
            print("wrote \(junit)")
            if results.contains(where: { $0.verdict == .failed }) { throw ExitCode(1) }
        case let other:
            throw fail("\(shards.first?.path ?? ""): a shard of an unknown command '\(other ?? "")'")
        }
    }

    /// Copies a scenario's report directory into the merged report: it sits beside its shard file (the shard's --out),
    /// wherever that shard ran. Returns the new path, or the recorded one (with a note) when it is not there.
    static func copyReport(_ recorded: String, shardFile: String, into directory: String) -> String {
        let name = (recorded as NSString).lastPathComponent
        let source = ((shardFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        let target = (directory as NSString).appendingPathComponent(name)
        let fm = FileManager.default
        guard fm.fileExists(atPath: source) else {
            FileHandle.standardError.write(Data("note: \(source) (the report of \(name)) is not beside its shard file; suite.json keeps its recorded path\n".utf8))
            return recorded
        }
        if (source as NSString).standardizingPath == (target as NSString).standardizingPath { return target }
        do {
            if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
            try fm.copyItem(atPath: source, toPath: target)
        } catch {
            FileHandle.standardError.write(Data("note: cannot copy \(source) to \(target): \(error.localizedDescription); suite.json keeps its recorded path\n".utf8))
            return recorded
        }
        return target
    }
}
