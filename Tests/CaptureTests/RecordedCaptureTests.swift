import Foundation
import Testing
@testable import Capture

/// The agent's side of a recorded failover (`.agent-failover.json`, the run's failover-agreement.json).
private struct AgentFailover: Decodable {
    struct Moment: Decodable {
        var chunk: String
        var node: String
        var agent: Double
        var wire: Double?
    }
    var node: String
    var newNode: String?
    var lastAccepted: Moment
    var firstSend: Moment
    var agentFailover: Double
    var wireFailover: Double
}

private func agentFailover(_ name: String) throws -> AgentFailover {
    let data = try Data(contentsOf: URL(fileURLWithPath: fixturesDirectory + "/" + name + ".agent-failover.json"))
    return try #require(try JSONDecoder().decode([AgentFailover].self, from: data).first)
}

private func base64(hex: String) -> String {
    var bytes: [UInt8] = []
    var i = hex.startIndex
    while i < hex.endIndex {
        let j = hex.index(i, offsetBy: 2)
        bytes.append(UInt8(hex[i ..< j], radix: 16)!)
        i = j
    }
    return Data(bytes).base64EncodedString() + "\n"
}

/// The text report of a recorded capture is exactly the committed one (the failover timeline included).
@Test(arguments: recordedNames)
func recordedCaptureTextMatchesExpected(name: String) throws {
    let path = fixturesDirectory + "/" + name
    let expected = try String(contentsOfFile: path + ".expected.txt", encoding: .utf8)
    let text = try WireAnalyzer.inspect(path: path).renderText()
    #expect(text.trimmingCharacters(in: .newlines) == expected.trimmingCharacters(in: .newlines))
}

/// `fwdlab pcap inspect` on a real standby promotion tells the story in order, and its moments are the agent's.
@Test func standbyPromotionTimelineReadsInOrder() throws {
    let path = fixturesDirectory + "/real-standby-promotion.pcap"
    let report = try WireAnalyzer.inspect(path: path)
    let agent = try agentFailover("real-standby-promotion.pcap")
    // Only r1 failed: closing resets at the end of the run are not failures.
    let gap = try #require(report.failovers.first)
    #expect(report.failovers.count == 1)
    let standby = try #require(report.nodes.first { n in n.node != gap.failedNode && (n.firstRequestNanos ?? 0) > gap.lastAcceptedNanos })

    let milestones = FailoverTimeline.milestones(for: gap, in: report)
    let order = ["last heartbeat answered by \(gap.failedNode)", "last data accepted by \(gap.failedNode)",
                 "first failure: connection #", "first data ever to \(standby.node)", "last failed connect to \(gap.failedNode)"]
    let positions = order.map { needle in milestones.firstIndex { $0.text.hasPrefix(needle) } }
    #expect(positions.allSatisfy { $0 != nil }, "\(milestones.map(\.text))")
    #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
    #expect(milestones.map(\.timeNanos) == milestones.map(\.timeNanos).sorted())
    let text = report.renderText(timelineLines: 0)
    #expect(text.contains("failover timeline of \(gap.failedNode) (seconds from the first packet):"))

    // The packets alone find the same two moments as the agent's event stream: the last chunk r1 acked and the first
    // chunk the promoted standby received.
    #expect(gap.lastAcceptedChunk.map { $0 + "\n" } == base64(hex: agent.lastAccepted.chunk))
    let firstToStandby = try #require(report.chunks.first { $0.chunk == base64(hex: agent.firstSend.chunk) }?.sends.first)
    #expect(firstToStandby.node == standby.node && firstToStandby.timeNanos == standby.firstRequestNanos)
    let wireFailover = Double(firstToStandby.timeNanos - gap.lastAcceptedNanos) / 1e9
    #expect(abs(wireFailover - agent.wireFailover) < 1e-5)
    #expect(abs(wireFailover - agent.agentFailover) <= 0.020, "capture \(wireFailover) s vs agent \(agent.agentFailover) s")
}

/// The same for the UDP-heartbeat phi detach: unanswered UDP heartbeats, refused data connects, the agent's moments.
@Test func udpPhiDetachTimelineReadsInOrder() throws {
    let report = try WireAnalyzer.inspect(path: fixturesDirectory + "/real-phi-detach-udp.pcap")
    let agent = try agentFailover("real-phi-detach-udp.pcap")
    let gap = try #require(report.failovers.first)
    #expect(report.failovers.count == 1)
    #expect(gap.firstFailure == "UDP heartbeat unanswered")
    let milestones = FailoverTimeline.milestones(for: gap, in: report).map(\.text)
    #expect(milestones.first?.hasPrefix("last heartbeat answered by \(gap.failedNode); then ") == true)
    #expect(milestones.contains { $0.hasPrefix("last failed connect to \(gap.failedNode)") })
    #expect(gap.lastAcceptedChunk.map { $0 + "\n" } == base64(hex: agent.lastAccepted.chunk))
    let send = try #require(report.chunks.first { $0.chunk == base64(hex: agent.firstSend.chunk) }?.sends.first)
    let wireFailover = Double(send.timeNanos - gap.lastAcceptedNanos) / 1e9
    #expect(abs(wireFailover - agent.wireFailover) < 1e-5)
    #expect(abs(wireFailover - agent.agentFailover) <= 0.020)
}
