import Agent
import Foundation
import Testing

@testable import Scenarios

/// Heartbeat traces: parsing, errors, and replay through the engine.
@Suite struct TraceReplayTests {
    func regular(count: Int, from: Double = 1000, h: Double = 1, gap: (at: Int, seconds: Double)? = nil) -> [Double] {
        var t = from
        var out: [Double] = []
        for i in 0..<count {
            out.append(t)
            t += h
            if let g = gap, i == g.at { t += g.seconds }
        }
        return out
    }

    @Test func parsesTextWithCommentsAndDeclaredInterval() throws {
        let text = "# captured on eth0\n# heartbeat_interval: 1\n\n100.0\n101.0 extra columns\n102.0\n"
        let t = try HeartbeatTrace.parse(text, source: "x.txt")
        #expect(t.interval == 1)
        #expect(t.arrivals == [0, 1, 2])
        #expect(t.lossRate == 0)
    }

    @Test func parsesJSONArrayAndObject() throws {
        let a = try HeartbeatTrace.parse("[0, 0.5, 1.0, 1.5]")
        #expect(a.interval == 0.5)
        let b = try HeartbeatTrace.parse("{\"heartbeat_interval\": 2, \"arrivals\": [10, 12, 16]}")
        #expect(b.interval == 2)
        #expect(b.slotDelays.count == 4)
        #expect(abs(b.lossRate - 0.25) < 1e-12)
    }

    @Test func badLinesAreReportedWithFileAndLine() {
        #expect(throws: TuningError(file: "t.txt", line: 3, "expected an arrival time in seconds, got 'abc'")) {
            try HeartbeatTrace.parse("1\n2\nabc\n", source: "t.txt")
        }
        #expect(throws: TuningError.self) { try HeartbeatTrace.parse("5\n4\n", source: "t.txt") }
        #expect(throws: TuningError.self) { try HeartbeatTrace.parse("[1, \"x\"]", source: "t.json") }
        #expect(throws: TuningError.self) { try HeartbeatTrace.parse("", source: "empty") }
        #expect(throws: TuningError.self) { try HeartbeatTrace.load(path: "/nonexistent/trace.txt") }
    }

    @Test func burstAfterAStallIsAssignedToEarlierSlots() throws {
        // Replies 3..5 were queued and arrive together at 5.0x.
        let t = try HeartbeatTrace(arrivals: [0, 1, 2, 5.0, 5.001, 5.002], interval: 1)
        #expect(t.slotDelays.count == 6)
        #expect(t.slotDelays.filter { $0 < 0 }.count == 0)
        #expect(t.slotDelays[3] > 1.9)
    }

    @Test func regularTraceReplaysWithoutFalseDetaches() throws {
        let trace = try HeartbeatTrace(arrivals: regular(count: 3600), source: "regular")
        var model = NetworkModel.clean
        model.heartbeatType = .udp
        var sim = VirtualNetworkSimulation()
        var spec = SimulationRunSpec(model: model, trace: trace, heartbeatInterval: 1, lanes: [LaneSpec(threshold: 8)],
                                     duration: 3000, seed: 0, death: .never)
        let out = sim.run(spec)
        #expect(out.lanes[0].falseDetaches == 0)
        #expect(out.probesAnswered == out.probesSent)
        spec.heartbeatInterval = 0.5
        #expect(sim.run(spec).lanes[0].falseDetaches == 0)
    }

    @Test func gapInTraceDetachesAt37AndRecoversOnThe11thHeartbeat() throws {
        // Heartbeats 0…200 s, then 45 s of silence, then regular again.
        let arrivals = regular(count: 600, from: 0, gap: (at: 200, seconds: 45))
        let trace = try HeartbeatTrace(arrivals: arrivals, interval: 1, source: "gap")
        var model = NetworkModel.clean
        model.heartbeatType = .udp
        var sim = VirtualNetworkSimulation()
        let spec = SimulationRunSpec(model: model, trace: trace, heartbeatInterval: 1, lanes: [LaneSpec(threshold: 16)],
                                     duration: 500, seed: 0, death: .never)
        let out = sim.run(spec)
        let lane = out.lanes[0]
        #expect(lane.falseDetaches == 1)
        #expect(lane.flaps == 1)
        // Last heartbeat at slot 200; detach 37 s later at the tick (UDP replies arrive just after their tick).
        let detachAt = try #require(lane.firstFalseDetach)
        #expect(abs(detachAt - 237) < 1e-6)
        // Arrivals resume at 246; the 11th one (256) recovers: 19 s after the detach.
        #expect(abs(lane.recoverySecondsTotal - 19) < 1e-6)
    }

    @Test func loadsTraceFromFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fwdlab-trace-\(UInt64.random(in: 0...UInt64.max)).txt").path
        try "0\n1\n2\n3\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let t = try HeartbeatTrace.load(path: path)
        #expect(t.source == path)
        #expect(t.slotDelays == [0, 0, 0, 0])
    }

    @Test func exampleTraceFixtureLoads() throws {
        let path = NetworkModelLoaderTests.fixtures.appendingPathComponent("example-trace.txt").path
        let t = try HeartbeatTrace.load(path: path)
        #expect(t.interval == 1)
        #expect(t.slotDelays.count == 600)
        // Four single losses; the eight stalled replies are queued, not lost.
        #expect(t.slotDelays.filter { $0 < 0 }.count == 4)
        #expect(t.slotDelays[300] > 7.9)
    }
}
