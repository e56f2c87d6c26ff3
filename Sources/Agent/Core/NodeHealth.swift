/// Availability of a node as the core sees it.
public enum NodeState: String, Sendable, Equatable, Codable {
    /// Selectable for sends.
    case available
    /// Unavailable, with no (or a cleared) arrival history.
    case detached
    /// Unavailable and collecting heartbeats towards the recovery count (docs/forward-protocol.md, "Recovery").
    case recovering
}

/// Why a node changed availability.
public enum TransitionCause: Sendable, Equatable, Hashable {
    /// docs/forward-protocol.md, "Tick", step 3: phi above the threshold.
    case phi(value: Double, threshold: Double)
    /// docs/forward-protocol.md, "Tick", step 2: no arrival for longer than hard_timeout.
    case hardTimeout
    /// docs/forward-protocol.md, "Ack handler": ack deadline passed.
    case ackTimeout
    /// docs/forward-protocol.md, "Ack handler": the peer closed (EOF/ECONNRESET) before acking.
    case peerClosedBeforeAck
    /// docs/forward-protocol.md, "Client-side checks": handshake failed with this reason.
    case handshakeFailed(reason: String)
    /// docs/forward-protocol.md, "Startup options": name resolution failed at configure (ignore_network_errors_at_startup).
    case dnsFailure
    /// docs/forward-protocol.md, "Heartbeat arrivals" and "Recovery": enough consecutive heartbeats; `samples` is the window size at recovery.
    case recovered(samples: Int)

    /// Short machine name for the event stream.
    public var name: String {
        switch self {
        case .phi: "phi"
        case .hardTimeout: "hard_timeout"
        case .ackTimeout: "ack_timeout"
        case .peerClosedBeforeAck: "peer_closed_before_ack"
        case .handshakeFailed: "handshake_failed"
        case .dnsFailure: "dns_failure"
        case .recovered: "recovered"
        }
    }
}

/// A structured availability change of one node.
public struct NodeTransition: Sendable, Equatable {
    /// What happened.
    public enum Event: String, Sendable, Equatable, Codable {
        /// Tick detach (phi or hard timeout): Fluentd rebuilds the weight array.
        case detached
        /// Disabled by ack, handshake or DNS failure: Fluentd does not rebuild (quirk 5 (docs/quirks.md)/29).
        case disabled
        /// Became available again.
        case recovered
    }

    /// Wall time of the transition.
    public var time: AgentSeconds
    /// Node index in configuration order.
    public var node: Int
    public var event: Event
    public var cause: TransitionCause
    /// Phi at the transition, when it was evaluated.
    public var phi: Double?

    public init(time: AgentSeconds, node: Int, event: Event, cause: TransitionCause, phi: Double?) {
        self.time = time
        self.node = node
        self.event = event
        self.cause = cause
        self.phi = phi
    }
}

/// Per-node settings for the availability state machine (docs/agent-parameters.md).
public struct NodeHealthSettings: Sendable, Equatable {
    public var heartbeatInterval: AgentSeconds = 1
    public var recoverWait: AgentSeconds = 10
    public var hardTimeout: AgentSeconds = 60
    public var phiThreshold: Double = 16
    public var phiFailureDetector = true
    /// heartbeat_type none (docs/forward-protocol.md, "Heartbeat type none"): always available, tick never detaches, heartbeat and disable are no-ops.
    public var alwaysAvailable = false
    /// Better behaviour (quirk 5), off by default: ack/handshake/DNS disables clear the window so the
    /// normal recovery count is required.
    public var clearWindowOnDisable = false

    public init() {}

    /// of.rb:184 `recover_wait / heartbeat_interval`; the node needs more samples than this.
    public var recoverSampleSize: Double {
        heartbeatInterval > 0 ? recoverWait / heartbeatInterval : recoverWait
    }
}

/// The per-node state machine of out_forward's `Node` (of.rb:752-792), Fluentd-exact by default.
public struct NodeHealth: Sendable {
    /// Node index in configuration order (copied into transition records).
    public let node: Int
    public let settings: NodeHealthSettings
    public private(set) var detector: AnyFailureDetector
    public private(set) var isAvailable = true
    public private(set) var state: NodeState = .available
    /// Cause of the most recent transition, if any.
    public private(set) var lastCause: TransitionCause?

    /// A healthy node with `detector` (build it with `DetectorKind.makeDetector` at configure time).
    public init(node: Int, settings: NodeHealthSettings, detector: AnyFailureDetector) {
        self.node = node
        self.settings = settings
        self.detector = settings.alwaysAvailable ? .disabled : detector
    }

    /// Current phi (0 for heartbeat_type none).
    public func phi(now: AgentSeconds) -> Double { detector.phi(now: now) }

    /// Samples in the detector window.
    public var sampleCount: Int { detector.sampleCount }

    /// docs/forward-protocol.md, "Heartbeat arrivals" `heartbeat(detect)`: adds a sample; if `detect` and unavailable and samples > recover_wait/h,
    /// becomes available and returns the recovery (the caller rebalances). Data sends use `detect: false`.
    public mutating func heartbeat(detect: Bool, now: AgentSeconds) -> NodeTransition? {
        if settings.alwaysAvailable { return nil }
        if detect || detector.acceptsSendSamples {
            detector.add(now: now)
        }
        guard detect, !isAvailable else { return nil }
        let samples = detector.sampleCount
        if Double(samples) > settings.recoverSampleSize {
            isAvailable = true
            state = .available
            let cause = TransitionCause.recovered(samples: samples)
            lastCause = cause
            return NodeTransition(time: now, node: node, event: .recovered, cause: cause, phi: nil)
        }
        state = .recovering
        return nil
    }

    /// docs/forward-protocol.md, "Tick" `tick`: hard timeout first, then phi (strict `>`); while unavailable only the clear-and-reset loop runs.
    public mutating func tick(now: AgentSeconds) -> NodeTransition? {
        if settings.alwaysAvailable { return nil }
        let hardTimedOut = detector.isHardTimedOut(now: now, hardTimeout: settings.hardTimeout)
        if !isAvailable {
            // Quirk 4: after a detach last = 0, so this clears on every tick until heartbeats return.
            if hardTimedOut {
                detector.clear()
                state = .detached
            }
            return nil
        }
        if hardTimedOut {
            return detach(now: now, cause: .hardTimeout, phi: nil)
        }
        if settings.phiFailureDetector {
            let phi = detector.phi(now: now)
            if phi > settings.phiThreshold {  // docs/forward-protocol.md, "Tick": strict >
                return detach(now: now, cause: .phi(value: phi, threshold: settings.phiThreshold), phi: phi)
            }
        }
        return nil
    }

    /// docs/forward-protocol.md, "What disables a node", items 2–4 (`disable!`): unavailable without clearing the window (docs/forward-protocol.md, "Recovery") unless
    /// `clearWindowOnDisable`; no effect for heartbeat_type none. Returns a record only when availability changed.
    public mutating func disable(cause: TransitionCause, now: AgentSeconds) -> NodeTransition? {
        if settings.alwaysAvailable { return nil }
        if settings.clearWindowOnDisable { detector.clear() }
        guard isAvailable else { return nil }
        isAvailable = false
        state = .detached
        lastCause = cause
        return NodeTransition(time: now, node: node, event: .disabled, cause: cause, phi: nil)
    }

    private mutating func detach(now: AgentSeconds, cause: TransitionCause, phi: Double?) -> NodeTransition {
        isAvailable = false
        state = .detached
        lastCause = cause
        detector.clear()
        return NodeTransition(time: now, node: node, event: .detached, cause: cause, phi: phi)
    }
}
