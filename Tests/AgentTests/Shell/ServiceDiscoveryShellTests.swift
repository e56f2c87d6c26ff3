import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
@testable import Agent

/// The file watcher of `<service_discovery> @type file` on a real file: a rewrite is read, its diff waits for the
/// manager's tick, a broken rewrite is logged and changes nothing (docs/agent-parameters.md, "<service_discovery>").
@Suite struct ServiceDiscoveryShellTests {
    @Test func rewritesAreAppliedAtTheManagerTickAndBrokenOnesLogged() async throws {
        let dir = NSTemporaryDirectory() + "fwdlab-sdshell-\(UInt64.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/sd.yaml"
        func write(_ text: String) throws {
            try text.write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
            guard rename(path + ".tmp", path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        }
        try write("- {host: 127.0.0.1, port: 24301}\n")
        var f = FileServiceDiscoveryConfig()
        f.path = path
        f.initial = try ServiceListFile.read(path: path)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let batches = NIOLockedValueBox<[[ServiceDiscoveryMessage]]>([])
        let logs = NIOLockedValueBox<[String]>([])
        // Time scale 0.1: the manager's 3 s tick every 0.3 s of real time; the file poll stays at 100 ms.
        let shell = ServiceDiscoveryShell(loop: loop, threadPool: NIOThreadPool.singleton, sources: [.file(f)],
                                          resolver: SystemAddressResolver(threadPool: NIOThreadPool.singleton), timeScale: 0.1,
                                          log: { _, m in logs.withLockedValue { $0.append(m) } },
                                          onBatch: { b in batches.withLockedValue { $0.append(b) } })
        try await loop.submit { shell.start() }.get()
        defer { _ = loop.submit { shell.stop() } }
        func waitFor(_ what: @escaping @Sendable () -> Bool) async throws {
            for _ in 0..<40 where !what() { try await Task.sleep(nanoseconds: 50_000_000) }  // ≤ 2 s
        }
        try write("- {host: 127.0.0.1, port: [\n")
        try await waitFor { !logs.withLockedValue { $0 }.isEmpty }
        #expect(logs.withLockedValue { $0 }.first?.hasPrefix("sd_file: (<unknown>): ") == true)
        try write("- {host: 127.0.0.1, port: 24302}\n")
        try await waitFor { !batches.withLockedValue { $0 }.isEmpty }
        let old = DiscoveredService(plugin: "file", host: "127.0.0.1", port: 24301)
        let new = DiscoveredService(plugin: "file", host: "127.0.0.1", port: 24302)
        // The broken text left the list alone: the diff is against the first list.
        #expect(batches.withLockedValue { $0 } == [[.serviceIn(new), .serviceOut(old)]])
    }
}
