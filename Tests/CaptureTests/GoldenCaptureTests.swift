import Foundation
import Testing
@testable import Capture

/// fixtures/pcaps, found from this file's path so tests run from any working directory.
let fixturesDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("fixtures/pcaps").path
}()

/// Set FWDLAB_UPDATE_GOLDEN=1 to rewrite the golden captures and their expected reports.
private let updating = ProcessInfo.processInfo.environment["FWDLAB_UPDATE_GOLDEN"] == "1"
private let goldenNames = GoldenCaptureGenerator.all.map(\.name)
/// Captures recorded from real scenario runs by tools/record-golden-captures.sh (not reproducible byte for byte).
let recordedNames = ["real-standby-promotion.pcap", "real-phi-detach-udp.pcap"]

private func temporaryDirectory() throws -> String {
    let dir = NSTemporaryDirectory() + "fwdlab-golden-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

@Test func goldenCapturesAreReproducible() throws {
    if updating { try GoldenCaptureGenerator.writeAll(to: fixturesDirectory) }
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for path in try GoldenCaptureGenerator.writeAll(to: dir) {
        let name = (path as NSString).lastPathComponent
        let fresh = FileManager.default.contents(atPath: path)
        let committed = FileManager.default.contents(atPath: fixturesDirectory + "/" + name)
        #expect(fresh != nil && fresh == committed, "\(name) differs from the generator's output (FWDLAB_UPDATE_GOLDEN=1 regenerates)")
    }
}

@Test(arguments: goldenNames + recordedNames)
func goldenReportMatchesExpected(name: String) throws {
    let path = fixturesDirectory + "/" + name
    let report = try WireAnalyzer.inspect(path: path)
    let expectedPath = path + ".expected.json"
    if updating {
        try report.jsonData().write(to: URL(fileURLWithPath: expectedPath))
        try report.renderText().write(toFile: path + ".expected.txt", atomically: true, encoding: .utf8)
    }
    let expected = try WireReport.decode(json: try Data(contentsOf: URL(fileURLWithPath: expectedPath)))
    #expect(report == expected)
    // The JSON round-trips exactly.
    #expect(try WireReport.decode(json: try report.jsonData()) == report)
}

// Facts checked independently of the expected files, from how each capture was built.

@Test func specExampleFacts() throws {
    let r = try WireAnalyzer.inspect(path: fixturesDirectory + "/spec-packed-forward-ack.pcap", port: 24_224)
    #expect(r.messages.packedForward == 1 && r.messages.events == 2 && r.messages.ack == 1)
    #expect(r.chunks.map(\.chunk) == ["AAECAwQFBgcICQoLDA0ODw==\n"])
    #expect(r.chunks.first?.acks == 1)
    let node = try #require(r.nodes.first)
    #expect(node.bytes == 96 && node.acks.acked == 1 && node.acks.latency?.max == 0.0005)
    #expect(node.lifecycle.syns == 1 && node.lifecycle.resets == 0 && node.lifecycle.lifetime?.max == 0.01002)
    #expect(r.problems.isEmpty)
}

@Test func udpHeartbeatFacts() throws {
    let r = try WireAnalyzer.inspect(path: fixturesDirectory + "/udp-heartbeats.pcap", port: 24_224)
    let hb = try #require(r.nodes.first?.udpHeartbeat)
    #expect(hb.requests == 5 && hb.replies == 4 && hb.unanswered == 1)
    #expect(hb.period?.mean == 1.0 && hb.period?.stddev == 0)
    #expect(hb.replyLatency?.max == 0.0003 && hb.replyLatency?.count == 4)
}

@Test func resetFacts() throws {
    let r = try WireAnalyzer.inspect(path: fixturesDirectory + "/reset-connection.pcap", port: 24_224)
    let node = try #require(r.nodes.first)
    #expect(node.lifecycle.connections == 2 && node.lifecycle.resets == 2 && node.lifecycle.refused == 1)
    #expect(r.messages.message == 1 && node.acks.unacked == 1)
}

@Test func outOfOrderFacts() throws {
    let r = try WireAnalyzer.inspect(path: fixturesDirectory + "/out-of-order-retransmit.pcap", port: 24_224)
    #expect(r.messages.packedForward == 1 && r.messages.forward == 1 && r.messages.message == 1 && r.messages.events == 5)
    let conn = try #require(r.connections.first)
    #expect(conn.tcp.retransmittedBytes == 35 && conn.tcp.outOfOrderSegments == 1)
    // The request was completed by the fourth data segment, 300 µs after the first.
    let request = try #require(r.timeline.entries.first { $0.kind == .request })
    #expect(request.timeNanos == GoldenCaptureGenerator.epoch + 1_300_000)
    #expect(r.nodes.first?.acks.latency?.max == 0.0005)
}

@Test func ipv6Facts() throws {
    let r = try WireAnalyzer.inspect(path: fixturesDirectory + "/ipv6-forward.pcapng", port: 24_224)
    #expect(r.nodes.map(\.node.description) == ["[::1]:24224"])
    #expect(r.messages.forward == 1 && r.messages.events == 2 && r.messages.ack == 1)
    #expect(r.messages.udpHeartbeatRequests == 1 && r.nodes.first?.udpHeartbeat?.replyLatency?.max == 0.00015)
}

@Test func failoverFacts() throws {
    let r = try WireAnalyzer.inspect(path: fixturesDirectory + "/failover.pcap")
    #expect(r.serverPorts == [24_224, 24_225])
    let gap = try #require(r.failovers.first)
    #expect(r.failovers.count == 1)
    #expect(gap.failedNode.port == 24_224 && gap.nextNode?.port == 24_225)
    #expect(gap.lastAcceptedNanos == GoldenCaptureGenerator.epoch + 101_000_000)
    #expect(gap.firstFailureNanos == GoldenCaptureGenerator.epoch + 2_000_000_000)
    #expect(gap.gapToData == 2.909 && gap.gapToAck == 2.911)
    let storm = try #require(r.chunks.first { $0.resendStorm })
    #expect(storm.sends.count == 3 && storm.acks == 3)
    let resent = try #require(r.chunks.first { $0.nodes.count == 2 })
    #expect(resent.sends.map { $0.ackNanos != nil } == [false, true])
    #expect(r.messages.compressedPackedForward == 1 && r.messages.transportHeartbeats >= 1)
    let b = try #require(r.nodes.first { $0.node.port == 24_225 })
    #expect(b.transportHeartbeat?.requests == 1 && b.udpHeartbeat?.unanswered == 0)
    let a = try #require(r.nodes.first { $0.node.port == 24_224 })
    #expect(a.udpHeartbeat?.unanswered == 3 && a.lifecycle.refused == 1)
}

@Test(arguments: goldenNames + recordedNames)
func tsharkAgreesOnFramesAndTimes(name: String) throws {
    guard let tshark = findExecutable("tshark") else {
        print("skipping tshark cross-check: tshark not installed")
        return
    }
    let path = fixturesDirectory + "/" + name
    let out = try run(tshark, ["-r", path, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch"])
    let lines = out.split(separator: "\n")
    let packets = try PcapFileReader(path: path).readAll()
    #expect(lines.count == packets.count)
    for (line, p) in zip(lines, packets) {
        let fields = line.split(separator: "\t")
        #expect(fields.count == 2)
        #expect(Int(fields[0]) == p.frameNumber)
        // tshark prints seconds.nanoseconds.
        let parts = fields[1].split(separator: ".")
        let nanos = Int64(parts[0])! * 1_000_000_000 + Int64(parts[1].padding(toLength: 9, withPad: "0", startingAt: 0))!
        #expect(nanos == p.timestampNanos, "frame \(p.frameNumber) of \(name)")
    }
}

func findExecutable(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let path = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}

/// Runs a tool and returns its standard output (stderr discarded); bounded by the tool's own exit.
func run(_ tool: String, _ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
