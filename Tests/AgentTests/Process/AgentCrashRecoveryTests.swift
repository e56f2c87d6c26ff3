import Agent
import ForwardServer
import Foundation
import NIOCore
import NIOPosix
import Simulator
import Testing

#if canImport(Glibc)
import Glibc
import ForwardLabTestSupport
#endif

/// `fwdlab agent` as a real child process: a kill -9 must not lose an event its forward input acked.
@Suite("Agent process: crash recovery", .serialized)
struct AgentCrashRecoveryTests {
    /// `.build/debug/fwdlab`, built by `swift build --build-tests` (tools/test.sh).
    static var fwdlab: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/fwdlab").path
    }

    /// A port nothing listens on right now (bound and released).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    static func startAgent(config: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: fwdlab)
        p.arguments = ["agent", "-c", config]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Waits (at most `seconds`) until something accepts TCP connections on `port`.
    static func waitListening(_ port: Int, seconds: Double) async -> Bool {
        await pollUntil(seconds: seconds) {
            guard let ch = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(200)).connect(host: "127.0.0.1", port: port).get() else { return false }
            try? await ch.close()
            return true
        }
    }

    @Test("kill -9 with a file buffer: after a restart every acked event reaches the receiver")
    func killNineKeepsAckedEvents() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.fwdlab) else {
            Issue.record("\(Self.fwdlab) is missing: run `swift build --build-tests` first")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fwdlab-crash-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inPort = try await Self.freePort(), outPort = try await Self.freePort()
        let config = dir.appendingPathComponent("agent.conf")
        try """
        <source>
          @type forward
          bind 127.0.0.1
          port \(inPort)
        </source>
        <match crash.**>
          @type forward
          heartbeat_type none
          require_ack_response true
          connect_timeout 1
          <server>
            name r1
            host 127.0.0.1
            port \(outPort)
          </server>
          <buffer>
            @type file
            path \(dir.appendingPathComponent("buffer").path)
            flush_interval 1
            retry_wait 0.5
            retry_max_interval 1
          </buffer>
        </match>
        """.write(to: config, atomically: true, encoding: .utf8)

        // 1. The receiver is down: everything the input acks sits in the file buffer.
        var agent = try Self.startAgent(config: config.path)
        defer { if agent.isRunning { kill(agent.processIdentifier, SIGKILL); agent.waitUntilExit() } }
        #expect(await Self.waitListening(inPort, seconds: 15), "agent did not listen on \(inPort)")
        var load = ForwardLoadSettings(port: inPort, recordSize: 512, batch: 100, requireAck: true, tag: "crash.test",
                                       duration: .seconds(20), maxChunksPerConnection: 20)
        load.drainTimeout = .seconds(10)
        let sent = try await ForwardLoadClient.run(load)
        #expect(sent.chunksAcked == 20 && sent.eventsAcked == 2000, "\(sent)")

        // 2. kill -9: no flush, no shutdown path.
        kill(agent.processIdentifier, SIGKILL)
        agent.waitUntilExit()
        #expect(agent.terminationReason == .uncaughtSignal)

        // 3. The receiver comes up; a new agent process recovers the chunks and delivers them.
        var rs = ReceiverSettings(name: "r1", port: outPort)
        rs.bind = "127.0.0.1"
        let receiver = try await ForwardReceiver.start(rs)
        agent = try Self.startAgent(config: config.path)
        let delivered = await receiver.ledger.wait(timeout: .seconds(30)) { $0.events >= 2000 }
        kill(agent.processIdentifier, SIGTERM)
        _ = await pollUntil(seconds: 10) { !agent.isRunning }
        await receiver.stop()
        #expect(delivered)
        let lost = receiver.ledger.missingSequences(in: 0 ... 1999)
        #expect(lost.count == 0, "\(lost.count) acked events lost after kill -9, first: \(lost.prefix(10))")
    }
}

