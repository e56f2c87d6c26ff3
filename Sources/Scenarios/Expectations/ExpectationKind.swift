import Agent

/// What an expectation checks. Times are seconds; `after` names a timeline step id (nil: the run start).
public enum ExpectationKind: Sendable, Equatable {
    /// Every event the input accepted is in some ledger.
    case noLoss
    /// Events delivered more than once, at most `max`.
    case duplicates(max: Int)
    /// `node` detached (the detector or hard_timeout took it out: event `detached`) within [low, high] s of step
    /// `after` (or of the origin `since` names), with `cause` when given. A node that was disabled instead fails it.
    /// With `predicted` the window is the detector model's idle-death prediction ± one heartbeat tick (`low`/`high`
    /// unused).
    case detach(node: String, after: String?, low: Double, high: Double, cause: String?, since: LeavingOrigin = .step,
                predicted: Bool = false)
    /// `node` disabled (an ack timeout, a peer closing before the ack, a failed handshake or lookup: event
    /// `disabled`) within [low, high] s of step `after` (or of the origin `since` names), with `cause` when given.
    /// A detach instead fails it.
    case disabled(node: String, after: String?, low: Double, high: Double, cause: String?, since: LeavingOrigin = .step)
    /// `node` never left the rotation: neither detached nor disabled (per-node isolation).
    case noDetach(node: String)
    /// `node` receives its first event after step `after` within `within` s (standby promotion, resume after heal).
    case firstDelivery(node: String, after: String?, within: Double)
    /// The agent reports `node` recovered within `within` s of step `after`, and not before `earliest` s.
    case recover(node: String, after: String?, within: Double, earliest: Double = 0)
    /// `node`'s share of delivered events (optionally between two times) is `percent` ± `tolerance` points.
    case trafficShare(node: String, percent: Double, tolerance: Double, from: Double?, to: Double?)
    /// Heartbeats reach `node` with gaps ≤ interval·(1+tolerance) while it is up (receiver side, or capture).
    /// With `onlyHeartbeats` (the node gets nothing else), also not faster: the median gap ≥ interval·(1−tolerance).
    case heartbeatCadence(node: String, interval: Double, tolerance: Double, onlyHeartbeats: Bool = false)
    /// Detach/recover transitions of `node` (all nodes when nil), scaled to per hour, at most `maxPerHour`.
    case flaps(node: String?, maxPerHour: Double)
    /// No chunk id accepted (ledger) or sent (capture) more than `maxSends` times.
    case noResendStorm(maxSends: Int)
    /// The agent emitted `event` (for `node` when given) at least `min` times (counted from step `after` and up to
    /// step `before`, when given).
    case agentEvent(event: AgentEventKind, node: String?, min: Int, after: String?, before: String? = nil)
    /// Timeline step `step` ran, and its action returned within `within` s with `result` when given (an `rpc:` step
    /// over HTTP: `STATUS BODY`; `agent: stop`: completes when the agent exited).
    case stepCompletes(step: String, within: Double, result: String?)
    /// The agent emitted no `event` (for `node` when given).
    case noAgentEvent(event: AgentEventKind, node: String?)
    /// The agent log contains `text`.
    case logContains(text: String)
    /// Between `minFraction` and `maxFraction` of the offered events were accepted by the input (back-pressure
    /// visible when < 1; 0 when the input refuses every request).
    case accepted(minFraction: Double, maxFraction: Double)
    /// Between `minFraction` and `maxFraction` of the events the input accepted reached no receiver: a known
    /// silent-loss failure pinned as such (`no_loss` is the usual form).
    case lost(minFraction: Double, maxFraction: Double)
    /// Chunks written to `<secondary>`, at least `min`.
    case secondary(min: Int)
    /// Capture: no data packets to `node` later than `grace` s after its detach.
    case wireNoDataAfterDetach(node: String, grace: Double)
    /// Capture: every failover gap (last accepted → next node's data) at most `max` s.
    case wireFailoverGap(max: Double)
    /// Capture: every chunk acked exactly once.
    case wireChunksAckedOnce
    /// Capture: TCP connections opened per data request to `node` at most `max` (keepalive reuse vs churn).
    case wireSynsPerRequest(node: String, max: Double)
    /// Against the `baseline:` run: the same decisions for `node` (all nodes when nil) — detach/disable/recover/
    /// promotion with causes, in order, each within `tolerance` s — and traffic to the same receivers.
    case matchesBaseline(node: String?, tolerance: Double)
    /// Against the `baseline:` run: the decisions or traffic of `node` (all when nil) differ (a known change pinned).
    case differsFromBaseline(node: String?, tolerance: Double)
    /// Capture vs the agent's event stream: `node`'s failover (last ack it gave → first chunk to `to`, default the
    /// promoted standby or the next node used) agrees within `tolerance` s at both ends and in length.
    case wireFailoverAgrees(node: String, to: String?, tolerance: Double)

    /// The fields of `detach` and `disabled`: node, step, window, cause, origin of the window, predicted window.
    var leaving: (node: String, after: String?, window: (Double, Double), cause: String?, since: LeavingOrigin, predicted: Bool)? {
        switch self {
        case let .detach(n, a, lo, hi, c, last, p): (n, a, (lo, hi), c, last, p)
        case let .disabled(n, a, lo, hi, c, last): (n, a, (lo, hi), c, last, false)
        default: nil
        }
    }

    /// The YAML key.
    public var key: String {
        switch self {
        case .noLoss: "no_loss"
        case .duplicates: "duplicates"
        case .detach: "detach"
        case .disabled: "disabled"
        case .noDetach: "no_detach"
        case .firstDelivery: "first_delivery"
        case .recover: "recover"
        case .trafficShare: "traffic_share"
        case .heartbeatCadence: "heartbeat_cadence"
        case .flaps: "flaps"
        case .noResendStorm: "no_resend_storm"
        case .agentEvent: "agent_event"
        case .stepCompletes: "step_completes"
        case .noAgentEvent: "no_agent_event"
        case .logContains: "log_contains"
        case .accepted: "accepted"
        case .lost: "lost"
        case .secondary: "secondary"
        case .wireNoDataAfterDetach: "wire_no_data_after_detach"
        case .wireFailoverGap: "wire_failover_gap"
        case .wireChunksAckedOnce: "wire_chunks_acked_once"
        case .wireSynsPerRequest: "wire_syns_per_request"
        case .matchesBaseline: "matches_baseline"
        case .differsFromBaseline: "differs_from_baseline"
        case .wireFailoverAgrees: "wire_failover_agrees"
        }
    }

    /// Needs a packet capture (skipped, not failed, without one).
    public var needsCapture: Bool {
        switch self {
        case .wireNoDataAfterDetach, .wireFailoverGap, .wireChunksAckedOnce, .wireSynsPerRequest, .wireFailoverAgrees: true
        default: false
        }
    }

    /// The agent event names this expectation reads; a host that cannot show one of them makes it SKIP.
    var agentEventsRead: Set<AgentEventKind> {
        switch self {
        case .detach: [.detached]
        case .disabled: [.disabled]
        case .noDetach, .wireNoDataAfterDetach: [.detached, .disabled]
        case .recover: [.recovered]
        case .flaps: [.detached, .disabled, .recovered]
        case let .agentEvent(event, _, _, _, _), let .noAgentEvent(event, _): [event]
        case .secondary: [.chunkToSecondary]
        default: []
        }
    }
}

/// What a `detach` / `disabled` window is timed from, on the receiver's clock where it is not the step.
public enum LeavingOrigin: String, Sendable, Equatable {
    /// The step `after` itself.
    case step
    /// The last thing the node's receiver saw at or before the step: the detector's own origin.
    case lastArrival = "last_arrival"
    /// The first chunk the node's receiver accepted at or after the step: the origin of that chunk's ack deadline,
    /// whichever node the balancer's order and the flush phase picked first.
    case firstArrival = "first_arrival"
}
