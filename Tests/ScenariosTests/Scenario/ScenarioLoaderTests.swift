import Foundation
import Testing

@testable import Scenarios

/// Loading and validating scenario YAML: every fixture loads, mistakes name file:line and the field.
@Suite struct ScenarioLoaderTests {
    @Test func everyFixtureLoads() throws {
        let files = SuiteRunner.scenarioFiles(ScenarioTestSupport.fixtures)
        #expect(files.count >= 25)
        for f in files {
            let s = try ScenarioLoader.load(path: f)
            #expect(s.name == ((f as NSString).lastPathComponent as NSString).deletingPathExtension, "\(f): name matches the file")
            #expect(!s.description.isEmpty, "\(f): has a description")
            #expect(!s.represents.isEmpty, "\(f): states the real-world timing it represents")
            #expect(!s.expectations.isEmpty || s.status.isPending, "\(f): has expectations")
        }
    }

    @Test func parsesTheFailoverShape() throws {
        let s = try ScenarioLoader.parse(ScenarioTestSupport.failover())
        #expect(s.receivers.map(\.name) == ["r1", "r2", "r3"])
        #expect(s.receivers[2].standby)
        #expect(s.load.rate == 100 && s.load.duration == 4.5)
        #expect(s.timeline.count == 1 && s.timeline[0].id == "crash-r1" && s.timeline[0].at == 1.55)
        #expect(s.expectations.map(\.kind.key) == ["no_loss", "detach", "first_delivery", "no_detach"])
    }

    /// (mutation of the failover text, expected field, expected line, text the message must contain)
    static let mistakes: [(String, String, String, Int, String)] = [
        ("load: {rate: 100, duration: 4.5s}", "load: {rate: 100, duraton: 4.5s}", "load.duraton", 27, "unknown field"),
        ("crash: r1}", "crash: r9}", "timeline[0].crash", 29, "no receiver named 'r9'"),
        ("at: 1.55s, crash", "at: soon, crash", "timeline[0].at", 29, "expected a duration"),
        ("after: crash-r1, within: [0.2s", "after: crash-r2, within: [0.2s", "expectations[1].detach.after", 34, "no timeline step"),
        ("cause: phi", "cause: gremlins", "expectations[1].detach.cause", 34, "unknown cause"),
        ("cause: phi", "cause: ack_timeout", "expectations[1].detach.cause", 34, "write `disabled:` instead"),
        ("at: 1.55s, crash", "at: 1.55, crash", "timeline[0].at", 29, "a duration needs a unit: write 1.55s or 1.55ms"),
        ("within: [0.2s, 3s], cause: phi", "within: predicted, cause: phi", "expectations[1].detach.within", 34, "add since: last_arrival"),
        ("within: [0.2s, 3s], cause: phi", "within: [0.2s, 3s], since: whenever, cause: phi", "expectations[1].detach.since", 34, "expected step, last_arrival or first_arrival"),
        ("  - no_detach: {node: r2}", "  - no_detach: {node: r2}\n  - vibes: {node: r2}", "expectations[4].vibes", 37, "unknown expectation"),
        ("      phi_threshold 1\n", "      phi_threshhold 1\n", "agent.config", 8, "phi_threshhold"),
        ("load: {rate: 100, duration: 4.5s}", "load: {rate: 100, duration: 4.5s, sender: pigeon}", "load.sender", 27, "unknown sender 'pigeon' (senders: fwdlab, fluent-bit)"),
        ("  - no_detach: {node: r2}", "  - no_detach: {node: r2}\n  - lost: {}", "expectations[4].lost", 37, "needs min_percent, max_percent or both"),
        ("  - no_detach: {node: r2}", "  - no_detach: {node: r2}\n  - accepted: {min_percent: 50, max_percent: 10}", "expectations[4].accepted", 37, "min_percent is above max_percent"),
    ]

    @Test func senderAndBoundsParse() throws {
        let text = ScenarioTestSupport.failover()
            .replacingOccurrences(of: "load: {rate: 100, duration: 4.5s}", with: "load: {rate: 100, duration: 4.5s, sender: fluent-bit}")
            .replacingOccurrences(of: "  - no_detach: {node: r2}", with: "  - no_detach: {node: r2}\n  - lost: {min_percent: 100}\n  - accepted: {max_percent: 0}")
        let s = try ScenarioLoader.parse(text)
        #expect(s.load.sender == .fluentBit && s.load.needsWireInput)
        #expect(s.expectations.suffix(2).map(\.kind) == [.lost(minFraction: 1, maxFraction: 1), .accepted(minFraction: 0, maxFraction: 0)])
    }

    @Test(arguments: mistakes)
    func errorsNameFileLineAndField(_ m: (String, String, String, Int, String)) {
        let text = ScenarioTestSupport.failover().replacingOccurrences(of: m.0, with: m.1)
        #expect(text != ScenarioTestSupport.failover(), "mutation applies")
        do {
            _ = try ScenarioLoader.parse(text, file: "bad.yaml")
            Issue.record("expected an error for \(m.2)")
        } catch let e as ScenarioError {
            #expect(e.file == "bad.yaml")
            #expect(e.field == m.2, "\(e)")
            #expect(e.line == m.3, "\(e)")
            #expect(e.description.contains(m.4), "\(e)")
            #expect(e.description.hasPrefix("bad.yaml:\(m.3):"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func agentEventNamesAreCheckedAtLoadTime() throws {
        // A misspelt event would make no_agent_event pass whatever the agent did.
        let good = try ScenarioLoader.parse(ScenarioTestSupport.failover() + "\n  - no_agent_event: {event: chunk_to_secondary}\n")
        #expect(good.expectations.last?.kind == .noAgentEvent(event: .chunkToSecondary, node: nil))
        for bad in ["no_agent_event: {event: chunk_to_secondry}", "agent_event: {event: detach}"] {
            do {
                _ = try ScenarioLoader.parse(ScenarioTestSupport.failover() + "\n  - \(bad)\n")
                Issue.record("accepted \(bad)")
            } catch let e as ScenarioError {
                #expect(e.description.contains("unknown agent event") && e.description.contains("chunk_to_secondary, "), "\(e)")
            }
        }
    }

    @Test func unknownFaultKindIsRejectedWithTheCatalogue() {
        let text = ScenarioTestSupport.failover().replacingOccurrences(of: "{id: crash-r1, at: 1.55s, crash: r1}",
                                                                       with: "{id: crash-r1, at: 1.55s, apply: {receiver: r1, kind: gremlin}}")
        #expect(throws: ScenarioError.self) { try ScenarioLoader.parse(text) }
        let e = (try? ScenarioLoader.parse(text)).map { _ in "" } ?? ""
        #expect(e.isEmpty)
        do { _ = try ScenarioLoader.parse(text) } catch { #expect("\(error)".contains("heartbeat_drop")) }
    }

    @Test func placeholdersAndOverridesRender() throws {
        let s = try ScenarioLoader.parse(ScenarioTestSupport.failover())
        var c = PlaceholderContext()
        c.receivers = ["r1": ("127.0.0.1", 4001), "r2": ("127.0.0.1", 4002), "r3": ("127.0.0.1", 4003)]
        c.serverOrder = s.receivers
        let text = try ConfigTemplate.render(s.agent, context: c, extraOverrides: ["phi_threshold": "0", "expire_dns_cache": "1"])
        #expect(text.contains("\n    port 4003\n    weight 60\n    standby true\n  </server>"), "\(text)")
        #expect(text.contains("\n  phi_threshold 0\n"))
        #expect(!text.contains("phi_threshold 1\n"))
        #expect(text.contains("@type forward\n  expire_dns_cache 1"), "absent parameters are added to the forward output")
        #expect(throws: ConfigTemplateError.self) { try ConfigTemplate.expand("port ${r9.port}", context: c) }
        #expect(try ConfigTemplate.expand("path /x/${tag}/${chunk_id}", context: c) == "path /x/${tag}/${chunk_id}")
    }

    @Test func scheduleIsDrawnFromTheSeed() throws {
        let text = ScenarioTestSupport.failover().replacingOccurrences(of: "at: 1.55s", with: "at: 1s..3s")
        let s = try ScenarioLoader.parse(text)
        let a = ScheduleResolver.resolve(s.timeline, seed: 42).map(\.at)
        let b = ScheduleResolver.resolve(s.timeline, seed: 42).map(\.at)
        let others = (1 ... 8).map { ScheduleResolver.resolve(s.timeline, seed: UInt64($0)).map(\.at) }
        #expect(a == b)
        #expect(a[0] >= 1 && a[0] <= 3)
        #expect(Set(others.map { $0[0] }).count > 1, "different seeds give different schedules")
    }

    @Test func timeScaleWithinItsRangeIsAcceptedOutsideRefused() throws {
        #expect(try ScenarioLoader.parse("time_scale: 0.25\n" + ScenarioTestSupport.failover()).timeScale == 0.25)
        #expect(try ScenarioLoader.parse(ScenarioTestSupport.failover()).timeScale == 1)
        for bad in ["0.01", "20", "0"] {
            do {
                _ = try ScenarioLoader.parse("time_scale: \(bad)\n" + ScenarioTestSupport.failover(), file: "scaled.yaml")
                Issue.record("time_scale \(bad): expected an error")
            } catch {
                #expect("\(error)".hasPrefix("scaled.yaml:1:"), "\(error)")
                #expect("\(error)".contains("time_scale"))
            }
        }
    }

    /// slow_reader's byte budget and its stalls would disagree under a scale: refused with the reason. Faults that
    /// time themselves (heartbeat_blackout, idle_timeout) are stretched instead and load.
    @Test func timeScaleRefusesOnlyTheSlowReader() throws {
        func scaled(_ fault: String) -> String {
            "time_scale: 0.5\n" + ScenarioTestSupport.failover()
                .replacingOccurrences(of: "  - {name: r2}", with: "  - {name: r2, faults: [\(fault)]}")
        }
        do {
            _ = try ScenarioLoader.parse(scaled("{kind: slow_reader, name: slow, params: {rate: 100000}}"), file: "scaled.yaml")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix("scaled.yaml:1:"), "\(error)")
            #expect("\(error)".contains("slow_reader"), "\(error)")
        }
        _ = try ScenarioLoader.parse(scaled("{kind: heartbeat_blackout, name: bo, params: {length: 1s}}"))
        _ = try ScenarioLoader.parse(scaled("{kind: idle_timeout, name: idle, params: {idle: 1s}}"))
    }
}
