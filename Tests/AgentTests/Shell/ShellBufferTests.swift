import Agent
import ForwardProtocol
import Foundation
import NIOCore
import NIOPosix
import Testing
import ForwardLabTestSupport

/// File buffer restart, torn tails, overflow and failover with acks.
@Suite("ShellBuffer", .serialized)
struct ShellBufferTests {
    let group = ShellTestSupport.group

    private func refusedPort() async throws -> Int {
        let probe = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress!.port!
        try await probe.close()
        return port
    }

    private func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "fwdlab-buf-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("file buffer: staged and queued chunks survive an in-process stop without flush and are resent with their ids")
    func fileBufferRestart() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s = ShellTestSupport.settings(ports: [try await refusedPort()], ack: true)
        s.bufferStorage = .file(path: dir)
        s.buffer.flushAtShutdown = false
        s.retry.wait = 30
        let first = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        for i in 0..<3 { try first.emit(tag: "a", time: ShellTestSupport.time, record: ShellTestSupport.record(i)) }
        await first.flush(timeout: 0.5)  // "a" is queued now (its send failed)
        for i in 3..<5 { try first.emit(tag: "b", time: ShellTestSupport.time, record: ShellTestSupport.record(i)) }
        await first.stop(flush: false)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(files.contains { $0.hasPrefix("buffer.q") && $0.hasSuffix(".log") })
        #expect(files.contains { $0.hasPrefix("buffer.b") && $0.hasSuffix(".log") })
        let ids = Set(files.filter { $0.hasSuffix(".log") }.map { String($0.dropFirst("buffer.q".count).dropLast(".log".count)) })

        let server = try await FakeForwardServer.start(group: group)
        s.nodes[0].port = server.port
        s.retry.wait = 0.1
        let second = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        #expect(await pollUntil(seconds: 5) { server.seqs.sorted() == [0, 1, 2, 3, 4] })
        let sentIDs = Set(server.requests.compactMap { $0.chunk }.map { Data(base64Encoded: String($0.dropLast()))!.map { String(format: "%02x", $0) }.joined() })
        #expect(sentIDs == ids)
        #expect(await pollUntil(seconds: 5) { (try? FileManager.default.contentsOfDirectory(atPath: dir))?.filter { $0.hasSuffix(".log") }.isEmpty ?? false })
        await second.stop(flush: nil)
        await server.stop()
    }

    @Test("file buffer: a torn last write is truncated with a warning naming the file; valid entries are resent")
    func tornTail() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s = ShellTestSupport.settings(ports: [try await refusedPort()])
        s.bufferStorage = .file(path: dir)
        s.buffer.flushAtShutdown = false
        let first = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        for i in 0..<2 { try first.emit(tag: "a", time: ShellTestSupport.time, record: ShellTestSupport.record(i)) }
        await first.stop(flush: false)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasPrefix("buffer.b") && $0.hasSuffix(".log") })
        let h = try #require(FileHandle(forWritingAtPath: dir + "/" + name))
        h.seekToEndOfFile()
        h.write(Data([0x92, 0xd7, 0x00, 0x4d]))  // half an entry
        try h.close()

        let server = try await FakeForwardServer.start(group: group)
        s.nodes[0].port = server.port
        let logs = ShellLogCapture()
        let second = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group, logger: logs.logger)
        #expect(logs.contains("incomplete or invalid tail"))
        #expect(logs.contains(name))
        #expect(await pollUntil(seconds: 5) { server.seqs.sorted() == [0, 1] })
        await second.stop(flush: nil)
        await server.stop()
    }

    @Test("overflow_action throw_exception: emit throws once total_limit_size is reached (back-pressure at the input)")
    func overflow() async throws {
        var s = ShellTestSupport.settings(ports: [try await refusedPort()])
        s.buffer.chunkLimitSize = 200
        s.buffer.totalLimitSize = 600
        let logs = ShellLogCapture()
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group, logger: logs.logger)
        var thrown: AgentEmitError?
        for i in 0..<200 {
            do { try agent.emit(tag: "a", time: ShellTestSupport.time, record: ShellTestSupport.record(i)) } catch {
                thrown = error
                break
            }
        }
        #expect(thrown == .bufferOverflow)
        #expect(logs.contains("failed to write data into buffer by buffer overflow action=:throw_exception"))
        await agent.stop(flush: false)
    }

    @Test("failover: one of two acking receivers is killed mid-stream; traffic moves and nothing is lost")
    func failover() async throws {
        let a = try await FakeForwardServer.start(group: group)
        let b = try await FakeForwardServer.start(group: group)
        var s = ShellTestSupport.settings(ports: [a.port, b.port], heartbeat: .transport, ack: true)
        s.buffer.chunkLimitRecords = 10
        s.forwarder.ackResponseTimeout = 2
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group)
        for i in 0..<100 { try agent.emit(tag: "a", time: ShellTestSupport.time, record: ShellTestSupport.record(i)) }
        #expect(await pollUntil(seconds: 5) { Set(a.seqs + b.seqs).count == 100 })
        await a.stop()
        let before = b.requests.count
        for i in 100..<300 { try agent.emit(tag: "a", time: ShellTestSupport.time, record: ShellTestSupport.record(i)) }
        await agent.flush(timeout: 10)
        #expect(await pollUntil(seconds: 10) { Set(a.seqs + b.seqs) == Set(0..<300) })
        #expect(b.requests.count > before)
        await agent.stop(flush: nil)
        await b.stop()
    }

    @Test("secondary file output receives chunks once the retry state says so")
    func secondary() async throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var s = ShellTestSupport.settings(ports: [try await refusedPort()])
        s.retry.wait = 0.05
        s.retry.timeout = 0.2
        s.retry.secondaryThreshold = 0.5
        s.secondary = SecondaryFileSettings(directory: dir)
        let events = EventRecorder()
        let agent = try await ForwardingAgent.start(configuration: s, eventLoopGroup: group, eventSink: { events.append($0) })
        try agent.emit(tag: "a", time: ShellTestSupport.time, record: ShellTestSupport.record(1))
        await agent.flush(timeout: 0.1)
        #expect(await pollUntil(seconds: 5) { events.count("chunk_to_secondary") == 1 })
        let files = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(files.count == 1 && files[0].hasPrefix("dump.bin.a."))
        await agent.stop(flush: false)
    }
}
