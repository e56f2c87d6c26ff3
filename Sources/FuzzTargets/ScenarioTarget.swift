import Foundation
import Scenarios

/// The scenario YAML loader (Sources/Scenarios/Scenario): Yams, the schema checks of every section, and the agent
/// configuration each scenario carries (rendered with stand-in placeholders and parsed, as at load time).
enum ScenarioTarget {
    static let target = FuzzTarget(
        name: "scenario",
        summary: "ScenarioLoader.parse (YAML, every section's schema, the agent config rendered and parsed) and "
            + "ConfigTemplate.render of what loaded",
        run: { data in
            let text = String(decoding: data, as: UTF8.self)
            guard staysInSandbox(text) else { return }
            guard let scenario = try? ScenarioLoader.parse(text, file: "fuzz.yaml", baseDirectory: baseDirectory) else { return }
            _ = try? ConfigTemplate.render(scenario.agent, context: .standIn(for: scenario))
        },
        seeds: { [] })

    static let baseDirectory = fuzzRepositoryRoot + "/fixtures/scenarios"

    /// The harness's sandbox (see ConfigTarget.staysInSandbox): `agent.config_file` may only name a file beside the
    /// fixtures, and the agent configuration may not `@include` (the config target covers includes), so no input
    /// reads outside fixtures/scenarios. A backslash is refused too: a YAML escape could spell either word.
    static func staysInSandbox(_ text: String) -> Bool {
        if text.contains("include") || text.contains("\\") { return false }
        if text.contains("config_file"), text.contains("/") || text.contains("..") || text.contains("~") {
            return false
        }
        return true
    }
}
