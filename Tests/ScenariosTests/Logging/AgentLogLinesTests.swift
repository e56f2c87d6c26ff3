import Foundation
import Testing

@testable import Scenarios

/// The real `fwdlab agent` binary with an unreachable destination: its stderr is Fluentd 1.16.9's log format, so the
/// harness's parser of Fluentd's own log (`FluentdLogLine`) reads every line. Here rather than in AgentTests because
/// that target does not link Scenarios.
@Suite(.serialized) struct AgentLogLinesTests {
    /// Runs `fwdlab agent ARGS -c CONFIG` for `seconds`, stops it with SIGTERM and returns its stderr.
    static func runAgent(_ extra: [String], config: String, seconds: Double) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fwdlab-loglines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("agent.conf").path
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ProcessModeTests.fwdlab)
        p.arguments = ["agent", "-c", path] + extra
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: seconds)
        p.terminate()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func config(port: Int, system: String = "") -> String {
        """
        <system>
        \(system)
        </system>
        <source>
          @type sample
          tag app
          rate 20
        </source>
        <match app>
          @type forward
          heartbeat_type none
          <server>
            name r1
            host 127.0.0.1
            port \(port)
          </server>
          <buffer>
            flush_interval 0.3
            retry_wait 0.3
          </buffer>
        </match>
        """
    }

    @Test("default text on stderr: '#0' worker lines that FluentdLogLine parses, and the banner apart")
    func textLinesParse() throws {
        guard FileManager.default.isExecutableFile(atPath: ProcessModeTests.fwdlab) else {
            Issue.record("\(ProcessModeTests.fwdlab) is missing: run `swift build --build-tests` first")
            return
        }
        let stderr = try Self.runAgent([], config: Self.config(port: try PortAllocator.freeTCPPort()), seconds: 2.5)
        let lines = stderr.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("fwdlab agent: running ") }, "\(stderr)")
        let logLines = lines.filter { !$0.hasPrefix("fwdlab agent: running ") }
        #expect(!logLines.isEmpty)
        for line in logLines {
            #expect(FluentdLogLine(line) != nil, "not a Fluentd log line: \(line)")
            #expect(line.wholeMatch(of: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \[(info|warn|error)\]: #0 .+/) != nil, "\(line)")
        }
        let flush = try #require(logLines.compactMap { FluentdLogLine($0) }.first { $0.message == "failed to flush the buffer." },
                                 "\(stderr)")
        #expect(flush.level == "warn" && flush.fields["retry_times"] == "0" && flush.fields["error_class"] == "Errno::ECONNREFUSED")
    }

    @Test("--no-supervisor -v -o FILE with <log> format json and %N: one JSON object per line, debug included")
    func jsonToFile() throws {
        guard FileManager.default.isExecutableFile(atPath: ProcessModeTests.fwdlab) else { return }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("fwdlab-loglines-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let system = "  <log>\n    format json\n    time_format %Y-%m-%d %H:%M:%S.%N\n  </log>"
        let stderr = try Self.runAgent(["--no-supervisor", "-v", "-o", log], config: Self.config(port: try PortAllocator.freeTCPPort(), system: system),
                                       seconds: 2.5)
        #expect(stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("fwdlab agent: running ") }, "only the banner on stderr: \(stderr)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        var levels = Set<String>()
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(Set(object.keys) == ["time", "level", "message"], "\(line)")
            #expect(line.hasPrefix("{\"time\":\""), "Fluentd's field order: \(line)")
            let time = try #require(object["time"] as? String)
            #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9}/) != nil, "\(time)")
            levels.insert(object["level"] as? String ?? "")
        }
        #expect(levels.contains("debug") && levels.contains("warn"), "\(levels)")
    }
}
