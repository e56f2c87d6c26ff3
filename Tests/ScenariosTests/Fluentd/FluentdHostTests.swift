import Foundation
import Testing

@testable import Scenarios

/// The Fluentd host's pieces that need no Fluentd: configuration rendering, version detection, installation lookup.
struct FluentdHostTests {
    static let scenarioConfig = """
        <match **>
          @type forward
          heartbeat_type transport
          <server>
            host 127.0.0.1
            port 1
          </server>
        </match>
        <match other.**>
          @type forward
          @log_level warn
        </match>
        """

    @Test func renderedConfigAddsOnlyWhatTheRunnerNeeds() {
        let text = FluentdConfigRenderer(inputPort: 4242).render(Self.scenarioConfig)
        // The scenario's sections are all there, in order.
        var cursor = text.startIndex
        for line in ["<match **>", "heartbeat_type transport", "<server>", "host 127.0.0.1", "</match>", "<match other.**>"] {
            let r = text.range(of: line, range: cursor ..< text.endIndex)
            #expect(r != nil, "\(line) kept in order")
            if let r { cursor = r.upperBound }
        }
        // Trace on the forward output that sets no level of its own; the one with @log_level keeps it.
        #expect(text.components(separatedBy: "@log_level trace").count == 2)
        #expect(text.contains("  @type forward\n  @log_level trace\n  heartbeat_type transport"))
        #expect(text.contains("@log_level warn"))
        // Nanosecond log times, the input on the given port, Fluentd's own log kept out of the outputs.
        #expect(text.contains("time_format %Y-%m-%d %H:%M:%S.%N %z"))
        #expect(text.contains("<source>\n  @type forward\n  bind 127.0.0.1\n  port 4242\n</source>"))
        #expect(text.contains("<label @FLUENT_LOG>"))
        #expect(text.components(separatedBy: "<system>").count == 2)
    }

    @Test func aScenarioSystemSectionIsKept() {
        let text = FluentdConfigRenderer(inputPort: 1).render("<system>\n  workers 1\n</system>\n" + Self.scenarioConfig)
        #expect(text.components(separatedBy: "<system>").count == 2, "one <system>, the scenario's")
        #expect(text.contains("workers 1") && text.contains("time_format"))
    }

    @Test func versionDetection() {
        #expect(FluentdInstallation.parseVersionOutput("fluentd 1.16.9\n") == "1.16.9")
        #expect(FluentdInstallation.parseVersionOutput("fluent-package 5.0.3 fluentd 1.16.5 (abc)") == "5.0.3")
        #expect(FluentdInstallation.parseVersionOutput("command not found") == nil)
        #expect(FluentdInstallation.versionKey("1.16.11").lexicographicallyPrecedes(FluentdInstallation.versionKey("1.18.0")))
        #expect(FluentdInstallation.versionKey("1.16.9").lexicographicallyPrecedes(FluentdInstallation.versionKey("1.16.11")))
    }

    @Test func lookupErrorsSayWhatToDo() throws {
        let empty = NSTemporaryDirectory() + "fwdlab-no-fluentd-\(getpid())"
        #expect(throws: FluentdHostError.self) { try FluentdInstallation.resolve(version: "1.16.9", home: empty) }
        do {
            _ = try FluentdInstallation.resolve(version: "9.9.9", home: empty)
        } catch {
            #expect("\(error)".contains("FWDLAB_FLUENTD_HOME") && "\(error)".contains("fluentd=/path"))
        }
        #expect(throws: FluentdHostError.self) { try FluentdInstallation.resolve(path: "/nonexistent/fluentd") }
        #expect(throws: FluentdHostError.self) { try RunOptions.AgentMode.parse("fluentbit") }
        #expect(try RunOptions.AgentMode.parse("process") == .process)
    }

    /// The bundled releases, when this checkout has them beside it (CI requires them: FWDLAB_REQUIRE_FLUENTD=1).
    @Test(.enabled(if: FluentdTestSupport.available || FluentdInstallation.required))
    func bundledReleasesAreFoundAndRun() throws {
        let versions = FluentdInstallation.bundledVersions()
        #expect(versions == ["1.16.9", "1.16.11", "1.18.0"], "sorted by version, not by name")
        for v in versions {
            let f = try FluentdInstallation.resolve(version: v)
            #expect(f.version == v && f.environment["TZ"] == "UTC")
            try f.verify()
        }
        #expect(try FluentdInstallation.resolve().version == "1.16.11", "the default is the newest 1.16 release")
    }
}

/// Whether real Fluentd can run here; with FWDLAB_REQUIRE_FLUENTD=1 a test that needs it runs (and fails) anyway.
enum FluentdTestSupport {
    static let available: Bool = (try? FluentdInstallation.resolve(version: "1.16.9").verify()) != nil
}
