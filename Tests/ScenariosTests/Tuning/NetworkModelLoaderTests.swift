import Agent
import Foundation
import Testing

@testable import Scenarios

/// YAML network models: the fixtures, defaults and error reporting.
@Suite struct NetworkModelLoaderTests {
    /// fixtures/networks in the package, found from this file (symlinks resolved).
    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/networks")
    }

    @Test func defaultFixtureEqualsBuiltInModel() throws {
        let m = try NetworkModelLoader.load(path: Self.fixtures.appendingPathComponent("default.yaml").path)
        #expect(m == NetworkModel.standard)
    }

    @Test(arguments: ["lossy-wifi.yaml", "gc-pauses.yaml"])
    func otherFixturesLoad(name: String) throws {
        let m = try NetworkModelLoader.load(path: Self.fixtures.appendingPathComponent(name).path)
        #expect(m.validationErrors.isEmpty)
        #expect(m.name + ".yaml" == name)
    }

    @Test func lossyWifiIsBurstyUDP() throws {
        let m = try NetworkModelLoader.load(path: Self.fixtures.appendingPathComponent("lossy-wifi.yaml").path)
        #expect(m.heartbeatType == .udp)
        #expect(m.loss == .gilbertElliott(p: 0.01, r: 0.2, lossInBad: 0.9, lossInGood: 0.005))
    }

    @Test func emptyDocumentGivesDefaults() throws {
        #expect(try NetworkModelLoader.parse("") == NetworkModel())
        #expect(try NetworkModelLoader.parse("# only a comment\n") == NetworkModel())
    }

    @Test func unitsAndScalarsParse() throws {
        let m = try NetworkModelLoader.parse("""
            reply_delay: 20ms
            traffic: {rate: 2MiB, flush_interval: 500ms, flush_phase: 250ms}
            stalls: {rate_per_hour: 3, duration: {distribution: uniform, min: 1s, max: 2s}}
            """)
        #expect(m.replyDelay == .fixed(0.02))
        #expect(m.traffic.bytesPerSecond == 2 * 1_048_576)
        #expect(m.traffic.flushInterval == 0.5)
        #expect(m.traffic.flushPhase == 0.25)
        #expect(m.stalls.duration == .uniform(min: 1, max: 2))
    }

    @Test func errorsNameFileAndLine() {
        #expect(throws: TuningError(file: "m.yaml", line: 3, "traffic: unknown key 'rat' (known: flush_interval, flush_phase, rate)")) {
            try NetworkModelLoader.parse("name: x\ntraffic:\n  rat: 5\n", file: "m.yaml")
        }
        #expect(throws: TuningError(file: "m.yaml", line: 2, "expected a duration such as 200ms, 1.5s or 2m (got 'soon'; units: ns, us, ms, s, m, h)")) {
            try NetworkModelLoader.parse("name: x\njitter: soon\n", file: "m.yaml")
        }
        // The one duration rule: a bare number is refused, whatever unit the field "usually" has.
        #expect(throws: TuningError(file: "m.yaml", line: 2, "a duration needs a unit: write 0.25s or 0.25ms, not a bare 0.25 (units: ns, us, ms, s, m, h)")) {
            try NetworkModelLoader.parse("name: x\njitter: 0.25\n", file: "m.yaml")
        }
        #expect(throws: TuningError(file: "m.yaml", line: 2, "loss.p must be within 0…1")) {
            try NetworkModelLoader.parse("loss:\n  p: 1.5\n", file: "m.yaml")
        }
        do {
            _ = try NetworkModelLoader.parse("a: [1, 2\nb: 3\n", file: "broken.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "broken.yaml")
            #expect(error.line != nil)
            #expect(error.description.hasPrefix("broken.yaml:"))
        }
        #expect(throws: TuningError.self) { try NetworkModelLoader.parse("reply_delay: {distribution: zipf}\n") }
        #expect(throws: TuningError.self) { try NetworkModelLoader.parse("heartbeat_type: carrier-pigeon\n") }
        #expect(throws: TuningError.self) { try NetworkModelLoader.parse("- a\n- b\n") }
        #expect(throws: TuningError.self) { try NetworkModelLoader.load(path: "/nonexistent/model.yaml") }
    }
}
