import Agent
import Testing

@testable import Scenarios

/// The agent's phi readings (`phi_sample` events) are the detector's own values at each heartbeat tick, and reports
/// draw them in preference to the receiver-side reconstruction.
@Suite struct AgentPhiSampleTests {
    private func events(_ d: [ForwarderDirective]) -> [AgentEvent] {
        d.compactMap { if case .emitEvent(let e) = $0 { return e } else { return nil } }
    }

    /// Virtual time, Fluentd's defaults (h = 1, threshold 16): one sample per tick while available, equal to the
    /// core's phi at that instant; the detaching tick's sample equals the phi the detach logged; none after.
    @Test func samplesAreTheDetectorsValueAtEachTick() {
        let clock = VirtualClock(wall: 1_700_000_000)
        var settings = ForwarderSettings()
        settings.seed = 1
        var core = ForwarderCore(settings: settings, nodes: [ForwarderNodeConfig(name: "a", host: "127.0.0.1")], clock: clock)
        #expect(core.emitsPhiSamples == false)
        var out: [ForwarderDirective] = []
        clock.advance(by: 1)
        core.runHeartbeatRound(into: &out, replies: { _ in true })
        #expect(!events(out).contains { $0.event == .phiSample }, "off by default")

        core.emitsPhiSamples = true
        for _ in 0 ..< 20 {
            out.removeAll()
            clock.advance(by: 1)
            core.runHeartbeatRound(into: &out, replies: { _ in true })
            let samples = events(out).filter { $0.event == .phiSample }
            #expect(samples.count == 1)
            #expect(samples.first?.phi == core.phi(0) && samples.first?.threshold == 16)
        }
        // Silence: phi grows tick by tick until the detach; the last sample is the detach's phi.
        var last: Double = -1
        var detach: AgentEvent?
        var ticks = 0
        while detach == nil, ticks < 60 {
            ticks += 1
            out.removeAll()
            clock.advance(by: 1)
            let before = core.phi(0)
            core.runHeartbeatRound(into: &out, replies: { _ in false })
            let e = events(out)
            let sample = e.first { $0.event == .phiSample }
            #expect(sample?.phi == before, "sample taken with the tick's own reading")
            #expect((sample?.phi ?? -1) > last)
            last = sample?.phi ?? last
            detach = e.first { $0.event == .detached }
            if let detach, let i = e.firstIndex(where: { $0.event == .phiSample }), let j = e.firstIndex(of: detach) {
                #expect(i < j, "the sample precedes the detach it explains")
            }
        }
        #expect(ticks == 37, "Fluentd defaults detach 37 s after the last heartbeat (docs/forward-protocol.md, 'Detection time')")
        #expect(detach?.phi == last)
        for _ in 0 ..< 3 {
            out.removeAll()
            clock.advance(by: 1)
            core.runHeartbeatRound(into: &out, replies: { _ in false })
            #expect(!events(out).contains { $0.event == .phiSample }, "no phi while out of the rotation")
        }
    }

    /// Reports use the agent's samples when present, break the line at a detach, and fall back otherwise.
    @Test func reportSeriesPrefersAgentSamples() {
        var r = RunRecord(scenario: "t", seed: 1)
        r.receivers = ["r1"]
        r.duration = 4
        r.heartbeatInterval = 0.5
        #expect(PhiSeries.source(r) == .reconstructed)
        r.phiSamples = [0.5, 1.0, 1.5, 2.0].map { AgentEventEntry(time: $0, node: "r1", event: .phiSample, phi: $0 / 4, threshold: 1) }
        r.phiSamples.append(AgentEventEntry(time: 3.0, node: "r1", event: .phiSample, phi: 0.2, threshold: 1))
        r.agentEvents = [AgentEventEntry(time: 2.0, node: "r1", event: .detached, cause: "phi", phi: 0.5, threshold: 1),
                         AgentEventEntry(time: 2.8, node: "r1", event: .recovered, cause: "recovered")]
        #expect(PhiSeries.source(r) == .agent)
        let points = PhiSeries.points(node: "r1", record: r)
        #expect(points.map(\.time) == [0.5, 1.0, 1.5, 2.0, 2.0, 3.0])
        #expect(points.map(\.phi) == [0.125, 0.25, 0.375, 0.5, nil, 0.2])
        #expect(ReportWriter.timelineJSONL(r).contains("\"type\":\"phi\""))
    }
}
