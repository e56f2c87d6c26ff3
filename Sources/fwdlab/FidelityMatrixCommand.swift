import ArgumentParser
import Foundation
import Scenarios

/// `fwdlab fidelity-matrix`: every scenario on several agents, the matrix written into docs/fidelity.md.
struct FidelityMatrixCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fidelity-matrix",
        abstract: "Run scenarios on several agents and write the fidelity matrix.",
        discussion: """
            Runs each scenario on every agent of --agents (side by side, one scenario at a time, on the real clock) and tabulates per
            scenario and agent: the verdict, the first detach, recover and event at a standby, loss and duplicates,
            and the decisions outside tolerance of the --reference agent (rules: docs/fidelity.md). With --write, the
            table replaces the section between `<!-- fidelity-matrix:begin -->` and `<!-- fidelity-matrix:end -->` of
            that file; matrix.json goes to --out.
            """)

    @Argument(help: "Scenario files or directories of them (default: fixtures/scenarios).")
    var paths: [String] = ["fixtures/scenarios"]

    @Option(help: "Comma-separated agents: in-process, process, fluentd:VERSION, fluentd=PATH.")
    var agents: String = "in-process,process,fluentd:1.16.9,fluentd:1.16.11,fluentd:1.18.0"

    @Option(help: "The agent the others are compared with (one of --agents).")
    var reference: String = "fluentd:1.16.9"

    @Option(help: "A markdown file whose matrix section is replaced.")
    var write: String?

    @Option(help: "Directory for matrix.json and the runs' reports.")
    var out: String = "reports/fidelity-matrix"

    func run() async throws {
        let names = agents.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        let modes: [RunOptions.AgentMode]
        do { modes = try names.map(RunOptions.AgentMode.parse) } catch { throw ValidationError("--agents: \(error)") }
        guard let ref = names.firstIndex(of: reference) else { throw ValidationError("--reference \(reference) is not one of --agents") }
        for case let .fluentd(f) in modes {
            do { try f.verify() } catch { throw ValidationError("\(error)") }
        }
        var options = RunOptions()
        options.outDirectory = (out as NSString).appendingPathComponent("runs")
        options.capture = false
        let signals = RunCommand.installInterruptHandler()
        defer { signals.cancel() }
        let matrix = await FidelityMatrix.run(paths: paths, agents: modes, reference: ref, options: options,
                                              output: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try e.encode(matrix).write(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent("matrix.json")))
        print(matrix.summaryTable)
        if let write {
            let doc = (try? String(contentsOfFile: write, encoding: .utf8)) ?? ""
            try matrix.splice(into: doc).write(toFile: write, atomically: true, encoding: .utf8)
            FileHandle.standardError.write(Data("matrix written into \(write)\n".utf8))
        }
    }
}
