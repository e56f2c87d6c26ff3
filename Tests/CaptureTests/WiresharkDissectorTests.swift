import Foundation
import Testing
@testable import Capture

private let luaScript: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("tools/wireshark/fluentd_forward.lua").path
}()

/// The Lua dissector, run by tshark, counts the same messages as the analyzer in every golden capture.
@Test(arguments: GoldenCaptureGenerator.all.map(\.name) + recordedNames)
func luaDissectorAgreesWithAnalyzer(name: String) throws {
    guard let tshark = findExecutable("tshark") else {
        print("skipping Lua dissector cross-check: tshark not installed")
        return
    }
    let path = fixturesDirectory + "/" + name
    let report = try WireAnalyzer.inspect(path: path)
    // Recorded captures use the receivers' ephemeral ports: decode every server port the analyzer found as forward.
    let decodeAs = Set(report.serverPorts + [24_225]).filter { $0 != 24_224 }.sorted()
        .flatMap { ["-d", "tcp.port==\($0),fluentd_forward", "-d", "udp.port==\($0),fluentd_forward_hb"] }
    let out = try run(tshark, ["-X", "lua_script:" + luaScript, "-o", "tcp.reassemble_out_of_order:TRUE"] + decodeAs + [
                               "-r", path, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;",
                               "-e", "fluentd_forward.type", "-e", "fluentd_forward.entries", "-e", "fluentd_forward_hb.kind"])
    var types: [String: Int] = [:]
    var entries = 0
    var heartbeats: [String: Int] = [:]
    for line in out.split(separator: "\n", omittingEmptySubsequences: true) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 3 else { continue }
        for t in fields[0].split(separator: ";") { types[String(t), default: 0] += 1 }
        for e in fields[1].split(separator: ";") { entries += Int(e) ?? 0 }
        for h in fields[2].split(separator: ";") { heartbeats[String(h), default: 0] += 1 }
    }
    let m = report.messages
    #expect(types["Message", default: 0] == m.message, "\(name)")
    #expect(types["Forward", default: 0] == m.forward, "\(name)")
    #expect(types["PackedForward", default: 0] == m.packedForward, "\(name)")
    #expect(types["CompressedPackedForward", default: 0] == m.compressedPackedForward, "\(name)")
    #expect(types["Ack", default: 0] == m.ack, "\(name)")
    #expect(types["Broken", default: 0] == m.broken, "\(name)")
    #expect(entries == m.events, "\(name)")
    #expect(heartbeats["request", default: 0] == m.udpHeartbeatRequests, "\(name)")
    #expect(heartbeats["reply", default: 0] == m.udpHeartbeatReplies, "\(name)")
}

/// The benchmark's generator produces traffic the analyzer decodes completely (a correctness check, not a timing).
@Test func benchmarkCaptureDecodesCompletely() throws {
    let path = NSTemporaryDirectory() + "fwdlab-bench-smoke-\(getpid()).pcap"
    defer { unlink(path) }
    try CaptureBenchmark.generate(path: path, bytes: 2_000_000)
    let r = try WireAnalyzer.inspect(path: path, options: .init(timelineLimit: 0))
    #expect(r.messages.packedForward > 0)
    #expect(r.messages.events == r.messages.packedForward * 1000)
    #expect(r.messages.ack == r.messages.packedForward)
    #expect(r.nodes.count == 4 && r.nodes.allSatisfy { $0.acks.unacked == 0 && $0.acks.unmatched == 0 })
    #expect(r.problems.isEmpty)
}
