import ForwardProtocol
import Foundation
import Testing

@testable import Scenarios

/// Release profiles in scenarios: `fluentd_version:` on receivers, the agent's `fwdlab_fluentd_version`, and a real
/// Fluentd of another release line skipped instead of run (docs/fluentd-model.md, "Release profiles").
@Suite struct ReleaseProfileScenarioTests {
    static let path = (ScenarioTestSupport.fixtures as NSString).appendingPathComponent("zstd-relay-1-19.yaml")

    @Test func theZstdScenarioReadsItsProfiles() throws {
        let s = try ScenarioLoader.load(path: Self.path)
        #expect(s.agent.fluentdVersion == .v1_19)
        #expect(s.receivers.map(\.fluentdVersion) == [.v1_19, .v1_19])
        // A fixture without the parameter is the default profile.
        let plain = try ScenarioLoader.load(path: (ScenarioTestSupport.fixtures as NSString).appendingPathComponent("weighted-balancing.yaml"))
        #expect(plain.agent.fluentdVersion == .v1_16)
        #expect(plain.receivers.allSatisfy { $0.fluentdVersion == .v1_16 })
    }

    @Test func aBadReceiverVersionNamesTheLine() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8).replacingOccurrences(of: "{name: r2, fluentd_version: \"1.19\"}", with: "{name: r2, fluentd_version: \"2.0\"}")
        do {
            _ = try ScenarioLoader.parse(text, file: "bad.yaml")
            Issue.record("accepted fluentd_version 2.0")
        } catch {
            #expect("\(error)".contains("unknown Fluentd version '2.0'"), "\(error)")
            #expect("\(error)".contains("bad.yaml:12:"), "\(error)")
        }
    }

    @Test func realFluentdOfAnotherLineIsSkipped() throws {
        let s = try ScenarioLoader.load(path: Self.path)
        var options = RunOptions()
        options.agentMode = .fluentd(FluentdInstallation(version: "1.16.9", command: ["fluentd"], environment: [:], origin: "test"))
        #expect(ScenarioRunner.skipReason(s, options: options)?.contains("1.19 release profile") == true)
        #expect(ScenarioRunner.skip(s, options: options)?.declared == true)
        options.agentMode = .fluentd(FluentdInstallation(version: "1.19.3", command: ["fluentd"], environment: [:], origin: "test"))
        #expect(ScenarioRunner.skipReason(s, options: options) == nil)
        #expect(ScenarioRunner.skipReason(s, options: RunOptions()) == nil)
        // A configuration on the default profile runs unchanged on every release: upgrades compare exactly that
        // (fixtures/upgrades/security-handshake-hangs.yaml on 1.18.0 was skipped while the rule also took defaults).
        let upgrade = try ScenarioLoader.load(path: ScenarioTestSupport.root + "/fixtures/upgrades/security-handshake-hangs.yaml")
        #expect(!upgrade.agent.namesFluentdVersion && s.agent.namesFluentdVersion)
        options.agentMode = .fluentd(FluentdInstallation(version: "1.18.0", command: ["fluentd"], environment: [:], origin: "test"))
        #expect(ScenarioRunner.skipReason(upgrade, options: options) == nil)
        #expect(FluentdReleaseProfile(release: "1.16.11") == .v1_16)
        #expect(FluentdReleaseProfile(release: "v1.18.0") == .v1_18)
        #expect(FluentdReleaseProfile(release: "1.17.1") == nil)
    }
}
