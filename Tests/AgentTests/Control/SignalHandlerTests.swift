import Agent
import FluentdConfig
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Signals go to the whole test process, so these tests run one at a time and only handle
/// SIGUSR1/SIGUSR2/SIGHUP (never SIGINT/SIGTERM, which would stop the test runner if a handler were missing).
@Suite("Signals (docs/forward-protocol.md, 'Signals')", .serialized)
struct SignalHandlerTests {
    @Test func sigusr1Flushes() async throws {
        let control = FakeAgentControl()
        let plane = ControlPlane(control: control, logger: CapturedLogs().logger) { try AgentConfiguration.parse(text: "") }
        let handler = SignalHandler(plane: plane, signals: [SIGUSR1: .flushBuffers], logger: CapturedLogs().logger)
        defer { handler.cancel() }
        #expect(kill(getpid(), SIGUSR1) == 0)
        #expect(await control.nextCall(timeout: 5) == .flush)
    }

    @Test func sighupReloadsAndSigusr2ReloadsGracefully() async throws {
        let control = FakeAgentControl()
        let plane = ControlPlane(control: control, logger: CapturedLogs().logger) {
            try AgentConfiguration.parse(text: "<match **>\n  @type null\n</match>")
        }
        let handler = SignalHandler(plane: plane, signals: [SIGHUP: .reload, SIGUSR2: .gracefulReload], logger: CapturedLogs().logger)
        defer { handler.cancel() }
        #expect(kill(getpid(), SIGHUP) == 0)
        #expect(await control.nextCall(timeout: 5) == .reload)
        #expect(kill(getpid(), SIGUSR2) == 0)
        #expect(await control.nextCall(timeout: 5) == .gracefulReload)
        #expect(control.lastConfiguration?.matches.count == 1)
    }

    @Test func defaultMappingIsFluentds() {
        #expect(SignalHandler.fluentdSignals[SIGUSR1] == .flushBuffers)
        #expect(SignalHandler.fluentdSignals[SIGHUP] == .reload)
        #expect(SignalHandler.fluentdSignals[SIGUSR2] == .gracefulReload)
        #expect(SignalHandler.fluentdSignals[SIGINT] == .stop)
        #expect(SignalHandler.fluentdSignals[SIGTERM] == .stop)
    }
}

@Suite("Control plane reload semantics")
struct ControlPlaneTests {
    @Test func brokenFileKeepsOldConfigurationAndLogsFileLine() async throws {
        let dir = NSTemporaryDirectory() + "fwdlab-reload-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/agent.conf"
        try "<match **>\n  @type null\n</match>\n".write(toFile: path, atomically: true, encoding: .utf8)
        let control = FakeAgentControl()
        let logs = CapturedLogs()
        let plane = ControlPlane(control: control, configPath: path, options: ConfigParseOptions(environment: [:]), logger: logs.logger)

        try await plane.perform(.reload)
        #expect(control.calls == [.reload])

        try "<match **>\n  @type null\n  bogus 1\n</match>\n".write(toFile: path, atomically: true, encoding: .utf8)
        await #expect(throws: ControlPlaneError.self) { try await plane.perform(.gracefulReload) }
        #expect(control.calls == [.reload])  // the agent was not touched
        #expect(logs.messages.contains { $0.0 == .error && $0.1.contains("\(path):3") && $0.1.contains("keeping the running configuration") })
    }

    @Test func dumpLogsConfigurationAtInfo() async throws {
        let control = FakeAgentControl(dumpText: "<system>\n</system>\n")
        let logs = CapturedLogs()
        let plane = ControlPlane(control: control, logger: logs.logger) { try AgentConfiguration.parse(text: "") }
        #expect(try await plane.perform(.dumpConfig) == .ok)
        #expect(logs.messages.contains { $0.0 == .info && $0.1.contains("<system>") })
        #expect(try await plane.perform(.getDump) == .dump("<system>\n</system>\n"))
    }

    /// A reload still swapping when SIGTERM comes finishes first and the stop follows; a reload asked for after the
    /// stop does nothing, so no configuration is installed in an agent that is stopping (it used to be, and the
    /// process kept running after SIGTERM).
    @Test func stopWaitsForAReloadInProgressAndLaterReloadsAreIgnored() async throws {
        let control = FakeAgentControl(holdReload: true)
        let logs = CapturedLogs()
        let plane = ControlPlane(control: control, logger: logs.logger) { try AgentConfiguration.parse(text: "") }
        try await plane.request(.reload)
        #expect(await control.calls(atLeast: 1) == [.reload])
        try await plane.request(.stop)
        try await plane.request(.gracefulReload)
        // The stop waits behind the held reload: nothing else has run.
        #expect(await control.calls(atLeast: 2, timeout: 0.3) == [.reload])
        control.release()
        await plane.waitForStops()
        #expect(control.calls == [.reload, .stop])
        #expect(logs.messages.contains { $0.0 == .warning && $0.1.contains("configuration reload ignored: the agent is stopping") })
    }

    @Test func flushAndStopRunsInOrder() async throws {
        let control = FakeAgentControl()
        let plane = ControlPlane(control: control, logger: CapturedLogs().logger) { try AgentConfiguration.parse(text: "") }
        try await plane.perform(.flushAndStop)
        await plane.waitForStops()
        #expect(control.calls == [.flush, .stop])
    }
}
