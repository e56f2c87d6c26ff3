import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing

@testable import Agent

/// `<system>` logging parameters, `-v`/`-q`/`-o`, and the handler's level filtering. The level rules were measured on
/// Fluentd 1.16.9: `-q` with `log_level debug` in the file logs at warn, `-v -q` at info, `-qq` only errors.
@Suite struct AgentLogOptionsTests {
    static func system(_ body: String) throws -> SystemConfig {
        try parseConfig("<system>\n\(body)\n</system>\n" + forwardMatch()).system
    }

    @Test("-v/-q count from info, replace <system> log_level, stop at trace and error")
    func levels() throws {
        let plain = SystemConfig()
        #expect(AgentLogOptions(system: plain).level == .info)
        #expect(AgentLogOptions(system: plain, verbose: 1).level == .debug)
        #expect(AgentLogOptions(system: plain, verbose: 2).level == .trace)
        #expect(AgentLogOptions(system: plain, verbose: 5).level == .trace)
        #expect(AgentLogOptions(system: plain, quiet: 1).level == .warn)
        #expect(AgentLogOptions(system: plain, quiet: 2).level == .error)
        #expect(AgentLogOptions(system: plain, quiet: 5).level == .error)
        let debug = try Self.system("log_level debug")
        #expect(AgentLogOptions(system: debug).level == .debug)
        #expect(AgentLogOptions(system: debug, quiet: 1).level == .warn)
        #expect(AgentLogOptions(system: debug, verbose: 1, quiet: 1).level == .info)
        #expect(AgentLogOptions(system: try Self.system("log_level fatal")).level == .fatal)
        // Debug and trace show log.rb's caller; supervised runs get #0, --no-supervisor none.
        #expect(AgentLogOptions(system: plain, verbose: 1).format.showsCaller)
        #expect(!AgentLogOptions(system: plain).format.showsCaller)
        #expect(AgentLogOptions(system: plain).format.workerID == 0)
        #expect(AgentLogOptions(system: plain, supervised: false).format.workerID == nil)
        #expect(AgentLogOptions(system: plain, logPath: "-").destination == .standardOutput)
        #expect(AgentLogOptions(system: plain, logPath: "/tmp/x.log").destination == .file("/tmp/x.log"))
    }

    @Test("<system> and <log> parameters are read, with file:line errors for bad values")
    func config() throws {
        let s = try Self.system("""
          suppress_repeated_stacktrace true
          ignore_repeated_log_interval 2s
          ignore_same_log_interval 1.5
          <log>
            format json
            time_format %Y-%m-%d %H:%M:%S.%N
          </log>
        """)
        #expect(s.suppressRepeatedStacktrace == true && s.ignoreRepeatedLogInterval == 2 && s.ignoreSameLogInterval == 1.5)
        #expect(s.logFormat == .json && s.logTimeFormat == "%Y-%m-%d %H:%M:%S.%N")
        let d = SystemConfig()
        #expect(d.logFormat == .text && d.logTimeFormat == "%Y-%m-%d %H:%M:%S %z" && d.ignoreSameLogInterval == nil)
        expectConfigError("<system>\n  <log>\n    format xml\n  </log>\n</system>\n" + forwardMatch(), line: 3, "xml")
        expectConfigError("<system>\n  <log>\n    time_format %Y %G\n  </log>\n</system>\n" + forwardMatch(), line: 3, "unsupported directive %G")
        expectConfigError("<system>\n  ignore_same_log_interval soon\n</system>\n" + forwardMatch(), line: 2, "ignore_same_log_interval")
        expectConfigError("<system>\n  ignore_repeated_log_interval -1\n</system>\n" + forwardMatch(), line: 2, "must not be negative")
        expectConfigError("<system>\n  suppress_repeated_stacktrace maybe\n</system>\n" + forwardMatch(), line: 2, "suppress_repeated_stacktrace")
        expectConfigError("<system>\n  <log>\n    colour true\n  </log>\n</system>\n" + forwardMatch(), line: 3, "colour")
    }

    @Test("a logger from the options filters by level and writes Fluentd's lines to the file, appending")
    func fileOutput() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fwdlab-log-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("nested/agent.log").path
        let tick = NIOLockedValueBox<Int64>(0)
        let clock: @Sendable () -> FluentdTimeFormat.Instant = {
            .init(wallNanos: 1_765_108_092_000_000_000 + tick.withLockedValue { $0 += 1_000_000_000; return $0 })
        }
        var options = AgentLogOptions(system: try Self.system("ignore_same_log_interval 5"), quiet: 1, logPath: path)
        do {
            let logger = try options.logger(clock: clock)
            logger.info("not at -q")
            logger.warning("detached forwarding server 'r1'", metadata: ["host": "127.0.0.1", "port": .stringConvertible(24224)])
            logger.warning("detached forwarding server 'r1'", metadata: ["host": "127.0.0.1", "port": .stringConvertible(24224)])
            logger.error("gone")
        }
        options.level = .info
        try options.logger(clock: clock).info("appended")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines == [
            // One clock reading per record that passes the level (13 s), the dropped repeat included (14 s).
            #"2025-12-07 11:48:13 +0000 [warn]: #0 detached forwarding server 'r1' host="127.0.0.1" port=24224"#,
            "2025-12-07 11:48:15 +0000 [error]: #0 gone",
            "2025-12-07 11:48:16 +0000 [info]: #0 appended",
        ])
        #expect(throws: FluentdLogOutput.OpenError.self) {
            try AgentLogOptions(system: SystemConfig(), logPath: "/proc/no-such-dir/x.log").logger()
        }
    }

    @Test("a plugin with @id logs '[id] ' and no caller at -v; @log_level gives it its own level (measured on 1.16.9)")
    func pluginLogger() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fwdlab-log-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("agent.log").path
        let clock: @Sendable () -> FluentdTimeFormat.Instant = { .init(wallNanos: 1_765_108_092_000_000_000) }
        let base = try AgentLogOptions(system: SystemConfig(), verbose: 1, logPath: path, supervised: false).logger(clock: clock)
        let plugin = AgentLogOptions.pluginLogger(base, id: "out1", level: nil)
        let quiet = AgentLogOptions.pluginLogger(base, id: nil, level: .error)
        #expect(AgentLogOptions.pluginLogger(base, id: nil, level: nil).handler is FluentdLogHandler)
        base.debug("No fluent logger for internal event")
        plugin.debug("rebuilding weight array lost_weight=0")
        quiet.warning("dropped by the plugin's own level")
        quiet.error("kept")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines == [
            "2025-12-07 11:48:12 +0000 [debug]: fluent/log.rb:341:debug: No fluent logger for internal event",
            "2025-12-07 11:48:12 +0000 [debug]: [out1] rebuilding weight array lost_weight=0",
            "2025-12-07 11:48:12 +0000 [error]: kept",
        ])
    }
}
