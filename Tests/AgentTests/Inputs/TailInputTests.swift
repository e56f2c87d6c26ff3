@testable import Agent
import FluentdConfig
import ForwardLabTestSupport
import ForwardProtocol
import Foundation
import Logging
import NIOPosix
import Testing

@Suite("in_tail")
struct TailInputTests {
    typealias Core = TailWatcherCore

    /// What Fluentd 1.16.9 wrote for /tmp/fl/tf/x.log after reading "one\ntwo\n" (2026-12-07), and read back.
    @Test func posFileIsFluentdsFormat() {
        let fluentd = "/tmp/fl/tf/x.log\t0000000000000008\t0000000000fee52d\n"
        let p = TailPositionFile(text: fluentd)
        #expect(p.entries == [.init(path: "/tmp/fl/tf/x.log", position: 8, inode: 0xfee52d)])
        #expect(p.text == fluentd)
        // Compaction on load: unwatched lines and unparsable ones go, a path written twice keeps its last line.
        let messy = "a\t0000000000000001\t0000000000000002\njunk\nb\tffffffffffffffff\t0000000000000003\na\t0000000000000005\t0000000000000002\n"
        let q = TailPositionFile(text: messy)
        #expect(q.text == "a\t0000000000000005\t0000000000000002\n")
        #expect(q.unparsable == ["junk"])
    }

    @Test func startPositions() {
        // No pos_file entry: a file found at start is read from its end unless read_from_head; one found later from its head.
        var a = Core(path: "p", entry: nil, readFromHead: false, startup: true, rotateWait: 5)
        #expect(a.onStat(.init(inode: 7, size: 100), now: 0).contains(.read(inode: 7, from: 100)))
        var b = Core(path: "p", entry: nil, readFromHead: true, startup: true, rotateWait: 5)
        #expect(b.onStat(.init(inode: 7, size: 100), now: 0).contains(.read(inode: 7, from: 0)))
        var c = Core(path: "p", entry: nil, readFromHead: false, startup: false, rotateWait: 5)
        #expect(c.onStat(.init(inode: 7, size: 100), now: 0).contains(.read(inode: 7, from: 0)))
        // The pos_file's inode: resume; shrunk below the position: truncated, from 0; another inode: rotated while down.
        let entry = TailPositionFile.Entry(path: "p", position: 50, inode: 7)
        var d = Core(path: "p", entry: entry, readFromHead: false, startup: true, rotateWait: 5)
        #expect(d.onStat(.init(inode: 7, size: 80), now: 0).contains(.read(inode: 7, from: 50)))
        var e = Core(path: "p", entry: entry, readFromHead: false, startup: true, rotateWait: 5)
        #expect(e.onStat(.init(inode: 7, size: 10), now: 0).contains(.read(inode: 7, from: 0)))
        var f = Core(path: "p", entry: entry, readFromHead: false, startup: true, rotateWait: 5)
        #expect(f.onStat(.init(inode: 8, size: 80), now: 0).contains(.read(inode: 8, from: 0)))
        // Nothing at the path yet: wait.
        var g = Core(path: "p", entry: nil, readFromHead: false, startup: true, rotateWait: 5)
        #expect(g.onStat(nil, now: 0).isEmpty && g.entry == nil)
    }

    @Test func truncationAndRotationByRename() {
        var w = Core(path: "p", entry: nil, readFromHead: true, startup: true, rotateWait: 5)
        _ = w.onStat(.init(inode: 1, size: 10), now: 0)
        w.advanced(inode: 1, to: 10)
        #expect(w.entry == .init(path: "p", position: 10, inode: 1))
        // Truncated in place: same inode, smaller size.
        // Fluentd 1.16.9 logs a truncation as a rotation without a wait, then follows the file again (2026-12-07).
        #expect(w.onStat(.init(inode: 1, size: 4), now: 1) == [.log("detected rotation of p"), .close(inode: 1),
                                                                  .log("following tail of p"), .read(inode: 1, from: 0)])
        w.advanced(inode: 1, to: 4)
        // Renamed away and a new file created: the old one is read for rotate_wait more, the new one from its head.
        let d = w.onStat(.init(inode: 2, size: 3), now: 2)
        #expect(d == [.log("detected rotation of p; waiting 5.0 seconds"), .keepRotated(inode: 1, until: 7),
                      .log("following tail of p"), .read(inode: 2, from: 0)])
        w.advanced(inode: 1, to: 9)
        #expect(w.rotated?.position == 9)
        #expect(w.entry == .init(path: "p", position: 0, inode: 2))
        // After rotate_wait the rotated file is closed.
        #expect(w.onStat(.init(inode: 2, size: 3), now: 7.5).first == .close(inode: 1))
        #expect(w.rotated == nil)
        // Moved away with nothing new: rotated, and the next file at the path is read from its head.
        _ = w.onStat(nil, now: 8)
        #expect(w.entry == nil)
        #expect(w.onStat(.init(inode: 3, size: 5), now: 9).contains(.read(inode: 3, from: 0)))
    }

    @Test func configAndTags() throws {
        let c = try parseConfig("""
            <source>
              @type tail
              path /var/log/a.log,/var/log/b/*.log
              tag app.*
              <parse>
                @type json
              </parse>
            </source>
            <match **>
            \(RoutingTableTests.forward)
            </match>
            """)
        guard case .tail(let t) = c.sources[0] else { Issue.record("expected tail"); return }
        #expect(t.paths == ["/var/log/a.log", "/var/log/b/*.log"] && t.format == .json && t.rotateWait == 5 && t.refreshInterval == 60)
        #expect(t.tag(for: "/var/log//x.log") == "app.var.log.x.log")
        expectConfigError("<source>\n  @type tail\n  path /x\n  tag t\n  <parse>\n    @type apache2\n  </parse>\n</source>", line: 5, "in_tail parser 'apache2' is not supported")
        expectConfigError("<source>\n  @type tail\n  path /x\n  tag t\n</source>", line: 1, "<parse> section is required")
        expectConfigError("<system>\n  workers 2\n</system>\n<source>\n  @type tail\n  path /x\n  tag t\n  format none\n</source>", line: 4, "Plugin 'tail' does not support multi workers configuration")
    }

    /// Real files on disk, a 20 ms poll: lines, a partial line completed later, rotation by rename, the pos_file.
    @Test func followsRealFiles() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tail-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = dir + "/a.log"
        try "one\n{\"partial\"".write(toFile: log, atomically: false, encoding: .utf8)
        let c = try parseConfig("""
            <source>
              @type tail
              path \(dir)/*.log
              pos_file \(dir)/pos
              tag t
              read_from_head true
              rotate_wait 0.3
              format none
            </source>
            <match **>
            \(RoutingTableTests.forward)
            </match>
            """)
        guard case .tail(let t) = c.sources[0] else { Issue.record("expected tail"); return }
        let sink = CapturingSink()
        let input = TailInput(config: t, sink: sink, loop: MultiThreadedEventLoopGroup.singleton.next(),
                              logger: Logger(label: "test"), pollInterval: .milliseconds(20))
        try await input.start().get()
        func messages() -> [String] {
            sink.batches.withLockedValue { $0 }.flatMap { EventPipeline.decode($0.entries, count: $0.count) }
                .compactMap { $0.record.first?.value.stringValue }
        }
        #expect(await pollUntil(seconds: 2) { messages() == ["one"] })
        let h = try #require(FileHandle(forWritingAtPath: log))
        try h.seekToEnd()
        try h.write(contentsOf: Data(":1}\n".utf8))
        try h.close()
        #expect(await pollUntil(seconds: 2) { messages() == ["one", "{\"partial\":1}"] })
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        try "new\n".write(toFile: log, atomically: false, encoding: .utf8)
        #expect(await pollUntil(seconds: 2) { messages().last == "new" })
        try await input.stop().get()
        let pos = try String(contentsOfFile: dir + "/pos", encoding: .utf8)
        var st = stat()
        #expect(stat(log, &st) == 0)
        #expect(pos == TailPositionFile.Entry(path: log, position: 4, inode: UInt64(st.st_ino)).line)
    }
}
