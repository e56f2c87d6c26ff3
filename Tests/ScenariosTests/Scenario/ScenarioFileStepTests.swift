import Foundation
import Testing
@testable import Scenarios

/// `files:`, `file:` steps and SRV records in `dns:` (docs/scenarios.md, "Files"; docs/dns-and-partitions.md).
@Suite struct ScenarioFileStepTests {
    private func scenario(files: String, timeline: String = "", dns: String = "", sd: String = "@type file\n        path ${workdir}/sd.yaml") -> String {
        """
        name: t-files
        receivers:
          - {name: r1, bind: 127.0.0.11}
          - {name: r2, bind: 127.0.0.12}
        \(dns)
        \(files)
        agent:
          config: |
            <match **>
              @type forward
              <service_discovery>
                \(sd)
              </service_discovery>
            </match>
        \(timeline)
        """
    }

    private func loadError(_ text: String) -> String? {
        do {
            _ = try ScenarioLoader.parse(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func filesAreValidatedWithTheConfigurationThatReadsThem() throws {
        let s = try ScenarioLoader.parse(scenario(
            files: "files:\n  - {name: sd.yaml, content: \"- {host: 127.0.0.1, port: ${r1.port}}\\n\"}",
            timeline: "timeline:\n  - {id: move, at: 1s, file: {name: sd.yaml, content: \"- {host: 127.0.0.1, port: ${r2.port}}\\n\"}}"))
        #expect(s.files == [ScenarioFile(name: "sd.yaml", content: "- {host: 127.0.0.1, port: ${r1.port}}\n")])
        guard case .writeFile(let f)? = s.timeline.first?.action else { Issue.record("no file step"); return }
        #expect(f.name == "sd.yaml" && s.timeline.first?.action.kind == "file")
        // Without the file the configuration is refused at load time, as Fluentd refuses it at configure.
        let missing = loadError(scenario(files: ""))
        #expect(missing?.contains("sd_file: path=") == true && missing?.contains("not found") == true)
        // A list the file cannot be read as: the loader says so, naming the file.
        #expect(loadError(scenario(files: "files:\n  - {name: sd.yaml, content: \"- {host: 127.0.0.1}\\n\"}"))?
            .contains("key not found: \"port\"") == true)
        #expect(loadError(scenario(files: "files:\n  - {name: ../sd.yaml, content: x}"))?.contains("plain file name") == true)
        #expect(loadError(scenario(files: "files:\n  - {name: sd.yaml}"))?.contains("content") == true)
    }

    @Test func writesReplaceTheFileAtomicallyWithPlaceholdersExpanded() throws {
        let dir = NSTemporaryDirectory() + "fwdlab-files-\(UInt64.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var context = PlaceholderContext()
        context.receivers["r1"] = ("127.0.0.1", 24301)
        let f = ScenarioFile(name: "sd.yaml", content: "- {host: ${r1.host}, port: ${r1.port}}\n")
        try f.write(into: dir, context: context)
        var before = stat()
        _ = lstat(dir + "/sd.yaml", &before)
        try f.write(into: dir, context: context)
        var after = stat()
        _ = lstat(dir + "/sd.yaml", &after)
        #expect(try String(contentsOfFile: dir + "/sd.yaml", encoding: .utf8) == "- {host: 127.0.0.1, port: 24301}\n")
        // Same text, same size, same second: still a new inode, so a stat watcher sees it (docs/quirks.md, Q40).
        #expect(before.st_ino != after.st_ino)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["sd.yaml"])
    }

    @Test func srvRecordsInDNSAndTheirChanges() throws {
        let s = try ScenarioLoader.parse(scenario(
            files: "", timeline: "timeline:\n  - {id: move, at: 1s, dns: {name: _fluentd._tcp.fwdlab.test, srv: [{port: r2, target: r2.fwdlab.test, weight: 5}]}}",
            dns: "dns:\n  - {name: r1.fwdlab.test, addresses: [r1]}\n  - {name: _fluentd._tcp.fwdlab.test, srv: [{priority: 1, weight: 60, port: r1, target: r1.fwdlab.test}]}",
            sd: "@type srv\n        service fluentd\n        hostname fwdlab.test"))
        #expect(s.dns.last?.srv == [ScenarioSRVRecord(priority: 1, weight: 60, port: "r1", target: "r1.fwdlab.test")])
        guard case .dns(let change)? = s.timeline.first?.action else { Issue.record("no dns step"); return }
        #expect(change.srv == [ScenarioSRVRecord(weight: 5, port: "r2", target: "r2.fwdlab.test")])
        #expect(try ScenarioDNS.srvData(change.srv ?? [], ports: ["r2": 24302]).map(\.port) == [24302])
        let bad = loadError(scenario(files: "", dns: "dns:\n  - {name: _x._tcp.fwdlab.test, srv: [{port: r9, target: a.test}]}",
                                     sd: "@type srv\n        service x\n        hostname fwdlab.test"))
        #expect(bad?.contains("neither a receiver name nor a port number") == true)
    }
}
