import Foundation

/// Runs a file or a directory of scenarios (up to `options.concurrency` at once), printing one line per
/// scenario as it finishes and a closing `N passed, N failed` line.
public struct SuiteRunner: Sendable {
    public let options: RunOptions
    /// Where lines go (stdout by default); tests capture them.
    public let output: @Sendable (String) -> Void

    public init(options: RunOptions, output: @escaping @Sendable (String) -> Void = { print($0) }) {
        self.options = options
        self.output = output
    }

    /// The scenario files of `path`: the file itself, or the directory's *.yaml/*.yml (recursively), sorted.
    public static func scenarioFiles(_ path: String) -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return [] }
        guard isDir.boolValue else { return [path] }
        let items = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String]) ?? []
        return items.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .map { (path as NSString).appendingPathComponent($0) }
    }

    /// Runs everything under `path`; results come back in file order.
    public func run(path: String) async -> [ScenarioResult] {
        let files = Self.scenarioFiles(path)
        guard !files.isEmpty else {
            output("no scenario files at \(path)")
            output("0 passed, 0 failed")
            return []
        }
        return await run(files: files)
    }

    /// Runs these files (a shard's part of a suite may be none); results come back in the given order.
    public func run(files: [String]) async -> [ScenarioResult] {
        let runner = ScenarioRunner(options: options)
        let width = max(1, options.concurrency)
        var results: [(Int, ScenarioResult)] = []
        await withTaskGroup(of: (Int, ScenarioResult).self) { group in
            var next = 0
            func launch() {
                guard next < files.count else { return }
                let i = next, file = files[i]
                next += 1
                group.addTask { (i, await Self.runOne(file, runner)) }
            }
            for _ in 0 ..< width { launch() }
            while let done = await group.next() {
                output(done.1.line)
                results.append(done)
                launch()
            }
        }
        let ordered = results.sorted { $0.0 < $1.0 }.map(\.1)
        for line in Self.closingLines(ordered) { output(line) }
        return ordered
    }

    /// The lines after the per-scenario ones: `(N skipped)` when any, then `N passed, N failed`.
    public static func closingLines(_ results: [ScenarioResult]) -> [String] {
        let passed = results.filter { $0.verdict == .passed }.count
        let failed = results.filter { $0.verdict == .failed }.count
        let skipped = results.count - passed - failed
        return (skipped > 0 ? ["(\(skipped) skipped)"] : []) + ["\(passed) passed, \(failed) failed"]
    }

    static func runOne(_ file: String, _ runner: ScenarioRunner) async -> ScenarioResult {
        do {
            let scenario = try ScenarioLoader.load(path: file)
            return await runner.run(scenario)
        } catch {
            let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            var r = ScenarioResult(scenario: name, path: file, seed: 0, verdict: .failed)
            r.reason = "\(error)"
            return r
        }
    }
}
