import Agent
import ForwardProtocol
import NIOCore

/// The agent a scenario runs against: the Swift agent in this process (`AgentHost`) or as a `fwdlab agent` child
/// (`AgentProcessHost`), or real Fluentd (`FluentdAgentHost`).
protocol AgentUnderTest: Sendable {
    /// The runtime settings parsed from the rendered configuration (for the report's header).
    var settings: AgentRuntimeSettings { get }
    /// What the agent reported so far, over every incarnation (read once per call: the process host parses files).
    var observations: AgentObservations { get }
    /// Whether an incarnation is running now.
    var isRunning: Bool { get }

    func start() async throws
    /// kill -9: no flush, nothing drained.
    func kill() async
    /// Graceful stop (flush_at_shutdown, bounded drain).
    func stop(drainTimeout: Double) async
    /// `agent: stop`: SIGTERM (in-process: the same graceful stop with the agent's own 30 s drain bound); returns when
    /// the agent exited (a child still running after 40 s is killed).
    func terminate() async
    /// The agent's `<system> rpc_endpoint` when it serves one (in-process too): `rpc:` steps then call it over HTTP.
    var rpcEndpoint: HostPort? { get }
    /// SIGUSR1 / plugins.flushBuffers.
    func flush(timeout: Double) async
    /// SIGHUP / config.reload with the same configuration.
    func reload() async throws
    /// Offers events to the agent's input: `entries` holds `count` encoded `[time, record]` pairs.
    func offer(tag: String, entries: ByteBuffer, count: Int) async -> OfferOutcome
    /// Whether `offer` takes one event at a time (in-process emit) or a batch per tick (a network input).
    var offersBatches: Bool { get }
    /// The agent's own log output (a child's stdout and stderr), every incarnation; empty when it logs elsewhere.
    var logText: String { get }
}

extension AgentUnderTest {
    var logText: String { "" }
}

/// What the agent reported during a run.
struct AgentObservations: Sendable {
    /// The agent's event stream on the run clock (decisions; `phi_sample` events are kept apart).
    var events: [AgentEventEntry] = []
    /// The `phi_sample` events: the detector's reading per node at every heartbeat tick.
    var phiSamples: [AgentEventEntry] = []
    /// Chunks handed to `<secondary>`.
    var secondaryChunks = 0
    /// Event-stream lines that did not decode, as `file:line: reason: text`.
    var unreadable: [String] = []
    /// The event names this host can observe at all (nil: every event the Swift agent emits). An expectation on an
    /// event outside the set is SKIP, never a vacuous pass.
    var observable: Set<AgentEventKind>? = nil
    /// What produced the observations, when not the Swift agent (`fluentd 1.16.9`).
    var host: String? = nil
}

/// What the agent's input did with offered events.
enum OfferOutcome: Sendable, Equatable {
    /// In the buffer (in-process: emit returned; process: the forward input acked).
    case accepted
    /// Refused by the buffer (overflow).
    case overflow
    /// No agent running, or the input did not answer.
    case agentDown
}
