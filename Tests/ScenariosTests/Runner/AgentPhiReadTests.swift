import Agent
import ForwardServer
import NIOPosix
import Simulator
import Testing

/// `ForwardingAgent.phi(node:)` reads the running agent's detector: a finite value below the threshold for a node that
/// answers heartbeats, nil for an unknown node and once the node has left the rotation.
@Suite(.serialized) struct AgentPhiReadTests {
    @Test func readsTheLiveDetector() async throws {
        let receiver = try await ForwardReceiver.start(ReceiverSettings(name: "r1", bind: "127.0.0.1", port: 0))
        let config = """
        <match **>
          @type forward
          heartbeat_type transport
          heartbeat_interval 0.2
          phi_threshold 1
          hard_timeout 5
          connect_timeout 1
          <server>
            name r1
            host 127.0.0.1
            port \(receiver.port)
          </server>
        </match>
        """
        let settings = try #require(AgentRuntimeSettings(configuration: try AgentConfiguration.parse(text: config, file: "phi.conf")))
        let agent = try await ForwardingAgent.start(configuration: settings, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        try await Task.sleep(nanoseconds: 700_000_000)
        let live = try #require(await agent.phi(node: 0), "r1 is in the rotation")
        #expect(live.isFinite && live < 1, "phi \(live)")
        #expect(await agent.phi(node: 7) == nil)

        // r1 goes away: with h = 0.2 phi crosses 1 about 1.5 s after the last heartbeat; then there is no reading.
        await receiver.stop()
        var polls = 0
        while await agent.isNodeAvailable(0), polls < 60 {
            polls += 1
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(await agent.isNodeAvailable(0) == false, "detached within 6 s")
        #expect(await agent.phi(node: 0) == nil)
        await agent.stop(flush: false, drainTimeout: 0)
    }
}
