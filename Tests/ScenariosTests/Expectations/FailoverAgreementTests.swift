import Foundation
import Testing
@testable import Capture
@testable import Scenarios

/// `FailoverAgreement` on hand-made records whose true times are known, so every difference it reports is checkable.
struct FailoverAgreementTests {
    static let monoOrigin: UInt64 = 5_000_000_000_000
    static let wallOrigin: Int64 = 1_700_000_000_000_000_000
    /// The capture's wall clock runs 0.5 % fast (far beyond NTP's 500 ppm, to make a wrong conversion obvious).
    static let wallRate = 1.005
    static let ports = ["r1": 41_001, "r2": 41_002, "r3": 41_003]

    static func wallNanos(run t: Double) -> Int64 { wallOrigin + Int64((t * 1e9 * wallRate).rounded()) }
    static func endpoint(_ name: String) -> IPEndpoint { IPEndpoint(address: IPAddress(ipv4: 0x7f00_0001), port: UInt16(ports[name]!)) }
    static func chunkBytes(_ n: UInt8) -> [UInt8] { (0 ..< 16).map { $0 == 15 ? n : UInt8($0) } }
    static func hex(_ n: UInt8) -> String { chunkBytes(n).map { String(format: "%02x", $0) }.joined() }
    static func option(_ n: UInt8) -> String { Data(chunkBytes(n)).base64EncodedString() + "\n" }

    /// r1 accepts chunk 1 (acked at 2.903 s), is detached at 4.8 s; r3 (standby) gets chunk 4 at 5.001 s, r2 chunk 5 at 5.2 s.
    /// The capture sees every packet 0.5 ms before the agent's event for it.
    static func record(capture clock: Bool = true, acked: Bool = true) -> RunRecord {
        var r = RunRecord(scenario: "t", seed: 1)
        r.startedMonotonicNanos = monoOrigin
        r.startedWallNanos = wallOrigin
        r.ports = ports
        r.binds = ["r1": "127.0.0.1", "r2": "127.0.0.1", "r3": "127.0.0.1"]
        r.agentEvents = [
            AgentEventEntry(time: 2.900, node: "r1", event: .chunkSent, detail: hex(1)),
            AgentEventEntry(time: 3.100, node: "r2", event: .chunkSent, detail: hex(2)),
            AgentEventEntry(time: 3.102, node: "", event: .chunkAcked, detail: hex(2)),
            AgentEventEntry(time: 4.790, node: "r2", event: .chunkSent, detail: hex(3)),
            AgentEventEntry(time: 4.800, node: "r1", event: .detached, cause: "phi", phi: 1.2, threshold: 1),
            AgentEventEntry(time: 4.800, node: "r3", event: .standbyPromoted),
            AgentEventEntry(time: 5.001, node: "r3", event: .chunkSent, detail: hex(4)),
            AgentEventEntry(time: 5.200, node: "r2", event: .chunkSent, detail: hex(5)),
        ]
        if acked { r.agentEvents.insert(AgentEventEntry(time: 2.903, node: "", event: .chunkAcked, detail: hex(1)), at: 1) }
        func send(_ n: UInt8, _ node: String, _ t: Double, ack: Double?) -> ChunkFigures {
            ChunkFigures(chunk: option(n), tag: "t", entries: 10,
                         sends: [ChunkSend(timeNanos: wallNanos(run: t), node: endpoint(node), connection: Int(n), ackNanos: ack.map { wallNanos(run: $0) })],
                         acks: ack == nil ? 0 : 1, nodes: [endpoint(node)], resendStorm: false)
        }
        r.wire = WireReport(file: "t.pcap", packets: PacketFigures(), serverPorts: [41_001, 41_002, 41_003], messages: MessageCounts(),
                            nodes: [], connections: [],
                            chunks: [send(1, "r1", 2.8995, ack: 2.9025), send(2, "r2", 3.0995, ack: 3.1015), send(3, "r2", 4.7895, ack: 4.7915),
                                     send(4, "r3", 5.0005, ack: 5.0025), send(5, "r2", 5.1995, ack: 5.2015)],
                            failovers: [], problems: [], timeline: WireTimeline())
        if clock {
            let start = ClockReading(monotonicNanos: Int64(monoOrigin) + 100_000_000, wallNanos: wallNanos(run: 0.1))
            let end = ClockReading(monotonicNanos: Int64(monoOrigin) + 20_000_000_000, wallNanos: wallNanos(run: 20))
            r.captureClock = CaptureClockMapping(start: start, end: end)
        }
        return r
    }

    @Test func pairsTheSameChunksAndMeasuresBothClocks() throws {
        let a = FailoverAgreement.measure(node: "r1", record: Self.record())
        #expect(a.problem == nil)
        #expect(a.newNode == "r3", "the promoted standby is the new node by default")
        #expect(a.lastAccepted?.chunk == Self.hex(1))
        #expect(a.firstSend?.chunk == Self.hex(4), "chunk 3 was sent to r2 before the detach and must not count")
        let last = try #require(a.lastAccepted?.difference), first = try #require(a.firstSend?.difference)
        #expect(abs(last + 0.0005) < 2e-6 && abs(first + 0.0005) < 2e-6)
        #expect(abs(try #require(a.agentFailover) - 2.098) < 1e-9)
        #expect(abs(try #require(a.failoverDifference)) < 2e-6)
        #expect(abs(try #require(a.clockDrift) - 19.9 * 0.005) < 1e-6)
    }

    @Test func explicitTargetPicksThatNode() {
        let a = FailoverAgreement.measure(node: "r1", to: "r2", record: Self.record())
        #expect(a.firstSend?.chunk == Self.hex(5) && a.firstSend?.node == "r2")
        #expect(a.worstDifference.map { $0 < 0.001 } == true)
    }

    @Test func withoutTheClockReadingsADriftingWallClockShowsUp() {
        // Only the start offset: 0.5 % of 5 s is 25 ms at the first send, beyond a 20 ms tolerance.
        let spec = ExpectationSpec(kind: .wireFailoverAgrees(node: "r1", to: nil, tolerance: 0.02))
        let good = ExpectationEvaluator.evaluate([spec], record: Self.record())
        #expect(good.first?.status == .pass, "\(good.first?.message ?? "")")
        let naive = ExpectationEvaluator.evaluate([spec], record: Self.record(capture: false))
        #expect(naive.first?.status == .fail, "\(naive.first?.message ?? "")")
    }

    @Test func noAckedChunkIsAFailureThatSaysWhy() {
        let spec = ExpectationSpec(kind: .wireFailoverAgrees(node: "r1", to: nil, tolerance: 0.02))
        let result = ExpectationEvaluator.evaluate([spec], record: Self.record(acked: false)).first
        #expect(result?.status == .fail)
        #expect(result?.message.contains("no chunk acked by r1") == true)
    }

    @Test func withoutACaptureTheExpectationIsSkipped() {
        var r = Self.record()
        r.wire = nil
        r.captureNote = "no capture: live capture needs root; wire expectations are skipped"
        let result = ExpectationEvaluator.evaluate([ExpectationSpec(kind: .wireFailoverAgrees(node: "r1", to: nil, tolerance: 0.02))], record: r).first
        #expect(result?.status == .skip && result?.message.contains("root") == true)
    }

    @Test func mappingInterpolatesBetweenReadings() {
        let m = CaptureClockMapping(start: ClockReading(monotonicNanos: 1_000, wallNanos: 10_000_000_000),
                                    end: ClockReading(monotonicNanos: 2_000_001_000, wallNanos: 12_000_001_000))
        #expect(m.wallDriftNanos == 1_000)
        #expect(m.monotonicNanos(wallNanos: 11_000_000_500) == 1_000_001_000)
        // Outside the readings the same rate extrapolates.
        #expect(m.monotonicNanos(wallNanos: 10_000_000_000) == 1_000)
    }

    @Test func loaderReadsTheExpectation() throws {
        let yaml = ScenarioTestSupport.failover() + "\n  - wire_failover_agrees: {node: r1, to: r3, tolerance: 15ms}\n"
        let s = try ScenarioLoader.parse(yaml, file: "t.yaml")
        #expect(s.expectations.last?.kind == .wireFailoverAgrees(node: "r1", to: "r3", tolerance: 0.015))
        #expect(throws: (any Error).self) {
            try ScenarioLoader.parse(ScenarioTestSupport.failover() + "\n  - wire_failover_agrees: {node: r9}\n", file: "t.yaml")
        }
    }

    /// A real failover with a live capture (root): the agent's events and the packets agree, and the report shows it.
    @Test(.enabled(if: getuid() == 0, "live capture needs root; skipped"))
    func realRunAgreesWithinTwentyMilliseconds() async throws {
        let yaml = ScenarioTestSupport.failover(name: "t-agreement").replacingOccurrences(of: "capture: false", with: "capture: true")
            + "\n  - wire_failover_agrees: {node: r1, to: r3, tolerance: 20ms}\n"
        let scenario = try ScenarioLoader.parse(yaml, file: "t.yaml")
        let out = NSTemporaryDirectory() + "fwdlab-agreement-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = RunOptions()
        options.outDirectory = out
        let result = await ScenarioRunner(options: options).run(scenario)
        let agreement = try #require(result.expectations.first { $0.key == "wire_failover_agrees" })
        #expect(agreement.status == .pass, "\(agreement.measured): \(agreement.message)")
        let dir = try #require(result.reportDirectory)
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("id=\"failover-agreement\"") && html.contains("first chunk to r3"))
        let json = try Data(contentsOf: URL(fileURLWithPath: dir + "/failover-agreement.json"))
        let list = try JSONDecoder().decode([FailoverAgreement].self, from: json)
        #expect(list.first?.node == "r1" && list.first?.newNode == "r3" && list.first?.problem == nil)
    }
}
