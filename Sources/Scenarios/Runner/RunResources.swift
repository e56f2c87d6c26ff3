import Capture
import NIOConcurrencyHelpers

/// What a run started, so one teardown (normal end or SIGINT) stops all of it exactly once.
final class RunResources: Sendable {
    private struct State {
        var receivers: (any ScenarioReceivers)?
        var agent: (any AgentUnderTest)?
        var dns: ScenarioDNS?
        var capture: LiveCapture?
        var tornDown = false
    }
    private let state = NIOLockedValueBox(State())

    func setReceivers(_ r: any ScenarioReceivers) { state.withLockedValue { $0.receivers = r } }
    func setAgent(_ agent: any AgentUnderTest) { state.withLockedValue { $0.agent = agent } }
    func setDNS(_ dns: ScenarioDNS?) { state.withLockedValue { $0.dns = dns } }
    func setCapture(_ c: LiveCapture) { state.withLockedValue { $0.capture = c } }

    /// Stops the agent first (so it does not log every receiver going away), then receivers, DNS, partitions.
    /// The capture is stopped only on interruption; a normal end reads it afterwards.
    func teardown(partitions: PartitionTable, interrupted: Bool = false) async {
        let s = state.withLockedValue { s -> State? in
            guard !s.tornDown else { return nil }
            s.tornDown = true
            return s
        }
        guard let s else { return }
        await s.agent?.kill()
        await s.receivers?.stop()
        await s.dns?.stop()
        partitions.teardown()
        if interrupted { _ = s.capture?.stop() }
    }
}
