import Foundation

/// `fwdlab soak`: the seeded plan as a generated scenario, run by `ScenarioRunner` with the agent as a child process
/// (file buffer, acks, load through its forward input), the child's memory and descriptors sampled meanwhile, then
/// the soak's own verdict (docs/soak.md).
public struct SoakRunner: Sendable {
    public let minutes: Double
    public let seed: UInt64
    /// Absolute; `soak.json`, `soak.txt`, `soak-scenario.yaml` and the scenario's report directory go here.
    public let outDirectory: String
    /// The `fwdlab` binary the agent runs as (default: this executable).
    public var executablePath: String?
    /// Print the runner's progress line on stderr.
    public var progress = false

    /// Accepted run lengths, minutes.
    public static let minutesRange: ClosedRange<Double> = 0.5 ... 24 * 60

    /// Checks the arguments and makes `out` (absolute, created, writable); throws a message saying what is wrong.
    public init(minutes: Double, seed: UInt64, out: String) throws {
        guard minutes.isFinite, Self.minutesRange.contains(minutes) else {
            throw SoakError("--minutes must be a number of minutes within \(Self.minutesRange.lowerBound)…\(Int(Self.minutesRange.upperBound)) (got \(minutes))")
        }
        let path = URL(fileURLWithPath: out).standardizedFileURL.path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SoakError("--out \(out): cannot create the directory: \(error.localizedDescription)")
        }
        // A directory that exists but cannot be written fails here, not after the whole soak.
        let probe = (path as NSString).appendingPathComponent(".soak-write-probe")
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw SoakError("--out \(out): the directory is not writable")
        }
        try? FileManager.default.removeItem(atPath: probe)
        self.minutes = minutes
        self.seed = seed
        outDirectory = path
    }

    public var plan: SoakPlan { SoakPlan.make(duration: minutes * 60, seed: seed) }

    /// Runs the soak and writes its report; never throws (problems become failures in the report).
    public func run() async -> SoakReport {
        let started = Date()
        let plan = self.plan
        let warmUp = SoakGrowth.warmUp(duration: plan.duration)
        let empty = SoakLedger.measure(acked: [], deliveries: [], dropped: [])
        var report = SoakReport(seed: seed, minutes: minutes, ledger: empty, growth: nil, warmUp: warmUp,
                                stuck: SoakStuck(longestGap: 0, gapFrom: 0, gapTo: 0, bound: 2 * SoakPlan.retryLimit, judgedSeconds: 0))
        report.steps = Dictionary(plan.steps.map { ($0.category.rawValue, 1) }, uniquingKeysWith: +)
        report.faultKinds = plan.faultKinds.sorted()
        let yamlPath = (outDirectory as NSString).appendingPathComponent("soak-scenario.yaml")
        let yaml = plan.scenarioYAML
        try? yaml.write(toFile: yamlPath, atomically: true, encoding: .utf8)
        let scenario: Scenario
        do {
            scenario = try ScenarioLoader.parse(yaml, file: yamlPath, baseDirectory: outDirectory)
        } catch {
            report.runErrors.append("the generated scenario does not load: \(error)")
            write(report)
            return report
        }

        var options = RunOptions()
        options.agentMode = .process
        options.executablePath = executablePath
        options.outDirectory = outDirectory
        options.capture = false
        options.progress = progress
        // The agent's command line names its configuration inside the scenario's report directory.
        let sampler = SoakSampler(marker: (outDirectory as NSString).appendingPathComponent("\(scenario.name)-"),
                                  interval: min(5, max(1, plan.duration / 150)))
        let bound = Int((plan.duration + SoakPlan.drain + 300) / sampler.interval) + 10
        let sampling = Task { await sampler.run(maxSamples: bound) }
        let result = await ScenarioRunner(options: options).run(scenario)
        sampling.cancel()
        await sampling.value

        report.wallSeconds = Date().timeIntervalSince(started)
        report.scenarioReport = result.reportDirectory
        guard let record = result.record else {
            report.runErrors.append("the scenario did not run: \(result.reason ?? "no record")")
            write(report)
            return report
        }
        report.runErrors += record.runErrors
        report.samples = sampler.samples(originWallNanos: record.startedWallNanos)
        report.incarnations = Set(report.samples.map(\.pid)).count
        report.growth = SoakGrowth.measure(report.samples, warmUp: warmUp)
        let dropped = record.faultLog.filter { $0.kind == "ack_without_accept" && $0.hook == "request" }
            .compactMap { $0.target.flatMap(SoakLedger.dropped(fromTarget:)) }
        report.ledger = SoakLedger.measure(acked: record.load.acceptedSequences,
                                           deliveries: record.deliveries.map { ($0.seq, $0.chunk) }, dropped: dropped)
        let windows = Self.windows(plan: plan, steps: record.steps, end: record.duration)
        report.stuck = SoakStuck.measure(deliveries: record.deliveries.map(\.time), range: SoakPlan.lead ... plan.duration,
                                         receivers: SoakPlan.receivers, disturbed: windows.disturbed,
                                         agentDown: windows.agentDown, bound: 2 * SoakPlan.retryLimit)
        write(report)
        return report
    }

    /// Each receiver's disturbed windows and the agent's down windows, on the run clock, from the executed steps: a
    /// fault from its step to its `-end` step, a DNS change to its restore, a kill to the end of the next restart
    /// that succeeded (the new incarnation's input listening).
    static func windows(plan: SoakPlan, steps: [TimelineEntry], end: Double)
        -> (disturbed: [String: [ClosedRange<Double>]], agentDown: [ClosedRange<Double>]) {
        let byID = Dictionary(steps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var disturbed: [String: [ClosedRange<Double>]] = [:]
        var down: [ClosedRange<Double>] = []
        for s in plan.steps {
            guard let opened = byID[s.id]?.time else { continue }
            switch s.category {
            case .fault:
                let closed = byID[s.id + "-end"].map { $0.completed ?? $0.time } ?? end
                disturbed[s.receiver ?? "", default: []].append(opened ... max(opened, closed))
            case .dns:
                let closed = byID[s.id + "-restore"].map { $0.completed ?? $0.time } ?? end
                disturbed[s.receiver ?? "", default: []].append(opened ... max(opened, closed))
            case .kill:
                // A restart that failed (the agent refused to start) leaves it down until a later restart succeeds.
                let closed = steps.first { $0.kind == "restart_agent" && $0.time >= opened && $0.error == nil }
                    .map { $0.completed ?? $0.time } ?? end
                down.append(opened ... max(opened, closed))
            default: break
            }
        }
        return (disturbed, down)
    }

    /// `soak.json` and `soak.txt` in the out directory.
    func write(_ report: SoakReport) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = try? encoder.encode(report) {
            _ = FileManager.default.createFile(atPath: (outDirectory as NSString).appendingPathComponent("soak.json"), contents: data)
        }
        try? (report.text + "\n").write(toFile: (outDirectory as NSString).appendingPathComponent("soak.txt"),
                                        atomically: true, encoding: .utf8)
    }
}

/// A soak argument or set-up problem, said in one sentence.
public struct SoakError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
