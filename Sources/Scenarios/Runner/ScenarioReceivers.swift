import Simulator

/// A scenario's receivers as the runner drives them: started and stopped, faulted by timeline steps, read back as
/// deliveries. Two kinds: `SimulatedReceivers` (in-process, the simulator's lifecycle and fault catalogue; the
/// default) and `ProcessReceivers` (real `fwdlab receiver` processes under real signals, `--receivers process`), so
/// a simulated fault can be checked against the real thing under the same agent traffic (docs/faults.md).
protocol ScenarioReceivers: Sendable {
    /// Binds every receiver that starts up and puts its `faults:` in force.
    func start() async throws
    /// Stops every receiver; deliveries stay readable.
    func stop() async
    /// The CA the agent should trust for TLS receivers ("" without TLS).
    var caPath: String { get }
    func port(of name: String) async throws -> Int

    /// Events delivered so far, over every receiver (for progress).
    func deliveredCount() -> Int
    /// Sequence numbers delivered so far, over every receiver (for the drain).
    func deliveredSequences() -> Set<Int64>
    /// Every delivered event, every receiver, on the run's clock.
    func deliveries(clock: RunClock) -> [Delivery]
    /// What a receiver's hooks observed (heartbeats, accepts); empty where nothing observes.
    func observations(of name: String) -> [ReceiverObservation]
    /// Every fault decision and lifecycle action, on the run's clock.
    func faultLogRecords(clock: RunClock) -> [FaultLogEntryRecord]

    func addFault(_ spec: FaultSpec, to receiver: String) async throws
    func removeFault(_ name: String, from receiver: String) async throws
    func crash(_ receiver: String, name: String) async throws
    func restart(_ receiver: String) async throws
    func pause(_ receiver: String, name: String) async throws
    func resume(_ receiver: String) async throws
}
