import Agent
import ForwardServer
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Scenarios
import Simulator
import Testing

/// The engine's detection latency agrees with a real agent on real sockets (issue: tuning, item 5).
///
/// A real `ForwardingAgent` sends UDP heartbeats to a real `ForwardReceiver`; after a warm-up the
/// receiver stops answering heartbeats (a death, as the agent sees it). The time from the last reply
/// to the agent's "detached" event must match `DetectionPredictor.fluentdIdleFormula` within one
/// heartbeat interval (the tick phase of a real timer is not the model's), plus 100 ms for scheduling.
@Suite("Tuning: real-socket validation of predicted detection latency")
struct RealSocketValidationTests {
    /// Lets heartbeats through until `kill()`, remembering when the last reply went out.
    final class HeartbeatGate: ReceiverFaultHooks {
        private let state = NIOLockedValueBox<(dead: Bool, replies: Int, last: ContinuousClock.Instant?)>((false, 0, nil))

        func onHeartbeat(from peer: SocketAddress, byteCount: Int) -> ReceiverHeartbeatDecision {
            state.withLockedValue { s in
                if s.dead { return .drop }
                s.replies += 1
                s.last = .now
                return .reply
            }
        }

        var replies: Int { state.withLockedValue { $0.replies } }

        /// Stops answering; returns when the last reply was sent.
        func kill() -> ContinuousClock.Instant? {
            state.withLockedValue { s in
                s.dead = true
                return s.last
            }
        }
    }

    @Test("agent detach time matches the engine within one interval", arguments: [(0.5, 1.0), (0.5, 2.0), (1.0, 2.0)])
    func detectionMatchesPrediction(_ interval: Double, _ threshold: Double) async throws {
        let gate = HeartbeatGate()
        var receiverSettings = ReceiverSettings(name: "r", bind: "127.0.0.1", port: 0)
        receiverSettings.hooks = gate
        let receiver = try await ForwardReceiver.start(receiverSettings)

        var settings = AgentRuntimeSettings()
        settings.nodes = [ForwarderNodeConfig(name: "r", host: "127.0.0.1", port: receiver.port)]
        settings.forwarder.heartbeatType = .udp
        settings.forwarder.heartbeatInterval = interval
        settings.forwarder.phiThreshold = threshold
        settings.forwarder.seed = 7
        let agent = try await ForwardingAgent.start(configuration: settings, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)

        let clock = ContinuousClock()
        // Warm up: enough replies that the window holds real gaps (bounded wait).
        let warmupDeadline = clock.now + .seconds(10)
        while gate.replies < 4 && clock.now < warmupDeadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(gate.replies >= 4)

        let predicted = DetectionPredictor.fluentdIdleFormula(heartbeatInterval: interval, phiThreshold: threshold)
        let lastReply = try #require(gate.kill())
        let detachedAt: ContinuousClock.Instant? = await withTaskGroup(of: ContinuousClock.Instant?.self) { group in
            group.addTask {
                for await record in agent.events where record.event.event == .detached { return clock.now }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(predicted + 3 * interval + 5))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        await agent.stop(flush: false)
        await receiver.stop()

        let detached = try #require(detachedAt, "no detach within \(predicted + 3 * interval + 5) s")
        let measured = Double((detached - lastReply).components.seconds)
            + Double((detached - lastReply).components.attoseconds) / 1e18
        #expect(abs(measured - predicted) <= interval + 0.1,
                "h=\(interval) threshold=\(threshold): measured \(measured) s after the last reply, engine predicts \(predicted) s")
    }
}
