/// heartbeat_type (`tcp` is rewritten to `transport` by the config layer, of.rb:186-189).
public enum HeartbeatType: String, Sendable, Equatable {
    case transport, udp, none
}

/// One `<server>` section.
public struct ForwarderNodeConfig: Sendable, Equatable {
    /// `name` (nil prints as '' in Fluentd's detach/recover lines).
    public var name: String?
    public var host: String
    public var port: Int
    public var weight: Int
    public var standby: Bool

    public init(name: String? = nil, host: String, port: Int = 24224, weight: Int = 60, standby: Bool = false) {
        self.name = name
        self.host = host
        self.port = port
        self.weight = weight
        self.standby = standby
    }

    /// Label used in the event stream and in "adding forwarding server" (`name || host:port`).
    public var label: String { name ?? "\(host):\(port)" }
}

/// The out_forward parameters the core needs (docs/agent-parameters.md), with Fluentd v1.16 defaults, plus named opt-in improvements.
public struct ForwarderSettings: Sendable, Equatable {
    public var heartbeatType: HeartbeatType = .transport
    public var heartbeatInterval: AgentSeconds = 1
    public var recoverWait: AgentSeconds = 10
    public var hardTimeout: AgentSeconds = 60
    /// phi_threshold (an integer in Fluentd; Double here so sweeps and other detectors can use fractions).
    public var phiThreshold: Double = 16
    public var phiFailureDetector = true
    public var requireAckResponse = false
    public var ackResponseTimeout: AgentSeconds = 190
    /// `<buffer> delayed_commit_timeout` as configured (see `effectiveDelayedCommitTimeout`).
    public var delayedCommitTimeout: AgentSeconds = 60
    public var expireDNSCache: AgentSeconds? = nil
    public var dnsRoundRobin = false
    public var ignoreNetworkErrorsAtStartup = false
    public var verifyConnectionAtStartup = false
    /// Failure detector; `.fluentd` reproduces v1.16.
    public var detector: DetectorKind = .fluentd
    /// Seed of the balancer's shuffle (lb.rb `@rand_seed`) and of other random choices; nil → random.
    public var seed: UInt64? = nil

    // Better behaviours, all off by default (Fluentd-exact).
    /// Quirk 29 (docs/quirks.md): rebuild the weight array on every availability change (ack/handshake disables too).
    public var rebuildOnEveryChange = false
    /// Quirk 5: disabling a node clears its detector window (full recovery count required).
    public var clearWindowOnDisable = false
    /// Quirk 28: try each node at most once per send.
    public var skipTriedNodes = false
    /// Quirk 35 (docs/quirks.md): read every ack when it arrives instead of at the ack reader's next pass.
    public var readAcksOnArrival = false
    /// Better behaviour: at shutdown the ack reader keeps reading and the stop waits (bounded) for every ack, instead
    /// of Fluentd's stopped reader and single final pass (docs/fluentd-model.md, "Shutdown with acks").
    public var waitForAcksAtShutdown = false
    /// Quirk 43 (docs/quirks.md): a graceful reload keeps a memory buffer's chunks that its shutdown did not flush,
    /// instead of dropping them with the old buffer as Fluentd does.
    public var keepBufferOnReload = false

    /// A deliberate breakage, never a behaviour to choose: only `AgentMutant.noResendAfterAckFailure` sets it (the
    /// mutation check, docs/scenarios.md). A chunk whose ack timed out or never came is committed, not rolled back.
    public var dropChunksOnAckFailure = false
    /// A deliberate breakage as well (`AgentMutant.forceFlushIgnored`): SIGUSR1 / flushBuffers do nothing.
    public var ignoreForceFlush = false

    public init() {}

    /// of.rb:283-290 with acks on; otherwise the configured value.
    public var effectiveDelayedCommitTimeout: AgentSeconds {
        requireAckResponse
            ? AckTracker.effectiveDelayedCommitTimeout(configured: delayedCommitTimeout, ackResponseTimeout: ackResponseTimeout)
            : delayedCommitTimeout
    }

    /// The ack reader's select timeout (`AckReaderLoop.interval`; a pass ends earlier when a watched ack arrives).
    public var ackCheckInterval: AgentSeconds {
        AckTracker.checkInterval(delayedCommitTimeout: effectiveDelayedCommitTimeout)
    }

    /// Fluentd's configure-time errors for these values (empty when valid). `nodesLater`: an SRV discovery adds its
    /// nodes when the output starts (its query is I/O), so an empty list is only an error then.
    public func validationErrors(nodes: [ForwarderNodeConfig], nodesLater: Bool = false) -> [String] {
        var errors: [String] = []
        if nodes.isEmpty && !nodesLater {
            errors.append("forward output plugin requires at least one node is required. Add <server> or <service_discovery>")
        }
        if dnsRoundRobin && heartbeatType == .udp {
            errors.append("forward output heartbeat type must be 'transport' or 'none' to use dns_round_robin option")
        }
        if ackResponseTimeout < 1 { errors.append("ack_response_timeout must be a positive integer") }
        if !(heartbeatInterval > 0) { errors.append("heartbeat_interval must be positive") }
        return errors
    }

    /// Per-node health settings derived from these values.
    public var nodeHealthSettings: NodeHealthSettings {
        var s = NodeHealthSettings()
        s.heartbeatInterval = heartbeatInterval
        s.recoverWait = recoverWait
        s.hardTimeout = hardTimeout
        s.phiThreshold = phiThreshold
        s.phiFailureDetector = phiFailureDetector
        s.alwaysAvailable = heartbeatType == .none
        s.clearWindowOnDisable = clearWindowOnDisable
        return s
    }
}
