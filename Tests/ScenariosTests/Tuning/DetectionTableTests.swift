import Agent
import Testing

@testable import Scenarios

@Suite struct DetectionTableTests {
    @Test func placeholderCompiles() {
        var sim = VirtualNetworkSimulation()
        let spec = SimulationRunSpec(model: .clean, heartbeatInterval: 1, lanes: [LaneSpec(threshold: 16)], duration: 120, seed: 1, death: .at(50.0001))
        let out = sim.run(spec)
        print(out.lanes, out.lastHeartbeatBeforeDeath as Any)
    }
}
