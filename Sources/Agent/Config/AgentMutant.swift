/// One deliberate breakage of the agent, for the mutation check (`fwdlab run --mutants`, docs/scenarios.md,
/// "Mutation check"): a scenario whose expectations still pass with the agent broken this way cannot tell the
/// broken agent from the right one. Applied to a parsed configuration; never part of a normal run.
public enum AgentMutant: String, CaseIterable, Sendable, Codable {
    case phiThresholdDoubled = "phi_threshold_x2"
    case phiThresholdHalved = "phi_threshold_div2"
    case heartbeatIntervalDoubled = "heartbeat_interval_x2"
    case heartbeatIntervalHalved = "heartbeat_interval_div2"
    case phiDetectorOff = "phi_detector_off"
    case hardTimeoutDoubled = "hard_timeout_x2"
    case recoverWaitZero = "recover_wait_0"
    case recoverWaitDoubled = "recover_wait_x2"
    case standbyIgnored = "standby_ignored"
    case weightsIgnored = "weights_ignored"
    case acksIgnored = "acks_ignored"
    case ackTimeoutDoubled = "ack_response_timeout_x2"
    case noResendAfterAckFailure = "no_resend_after_ack_failure"
    case dnsCacheNeverExpires = "dns_cache_never_expires"
    case dnsCacheAlwaysExpires = "dns_cache_expires_0"
    case keepaliveOff = "keepalive_off"
    case securityRemoved = "security_removed"
    case secondaryIgnored = "secondary_ignored"
    case flushIntervalQuadrupled = "flush_interval_x4"
    case forceFlushIgnored = "force_flush_ignored"

    /// What the mutant does, in a few words (the matrix's legend).
    public var summary: String {
        switch self {
        case .phiThresholdDoubled: "phi_threshold × 2"
        case .phiThresholdHalved: "phi_threshold ÷ 2"
        case .heartbeatIntervalDoubled: "heartbeat_interval × 2"
        case .heartbeatIntervalHalved: "heartbeat_interval ÷ 2"
        case .phiDetectorOff: "phi_failure_detector false (hard_timeout alone detaches)"
        case .hardTimeoutDoubled: "hard_timeout × 2"
        case .recoverWaitZero: "recover_wait 0"
        case .recoverWaitDoubled: "recover_wait × 2"
        case .standbyIgnored: "standby servers used as regular ones"
        case .weightsIgnored: "every server weight 60"
        case .acksIgnored: "require_ack_response false"
        case .ackTimeoutDoubled: "ack_response_timeout × 2"
        case .noResendAfterAckFailure: "a chunk whose ack failed is committed, not resent"
        case .dnsCacheNeverExpires: "expire_dns_cache unset (addresses cached for good)"
        case .dnsCacheAlwaysExpires: "expire_dns_cache 0 (resolved again for every connection)"
        case .keepaliveOff: "keepalive false (a new connection per chunk)"
        case .securityRemoved: "<security> removed (no shared-key handshake)"
        case .secondaryIgnored: "<secondary> removed"
        case .flushIntervalQuadrupled: "flush_interval × 4"
        case .forceFlushIgnored: "SIGUSR1 / flushBuffers do nothing"
        }
    }

    /// `configuration` broken this way; equal to it when the mutant changes nothing there (an equivalent mutant:
    /// e.g. `acks_ignored` without `require_ack_response`).
    public func applied(to configuration: AgentConfiguration) -> AgentConfiguration {
        var c = configuration
        for i in c.matches.indices {
            guard case var .forward(f) = c.matches[i].output else { continue }
            apply(to: &f)
            c.matches[i].output = .forward(f)
        }
        return c
    }

    /// Whether the mutant changes anything in `configuration`.
    public func changes(_ configuration: AgentConfiguration) -> Bool {
        applied(to: configuration).matches != configuration.matches
    }

    private func apply(to f: inout ForwardOutputConfig) {
        switch self {
        case .phiThresholdDoubled: f.settings.phiThreshold *= 2
        case .phiThresholdHalved: f.settings.phiThreshold /= 2
        case .heartbeatIntervalDoubled: f.settings.heartbeatInterval *= 2
        case .heartbeatIntervalHalved: f.settings.heartbeatInterval /= 2
        case .phiDetectorOff: f.settings.phiFailureDetector = false
        case .hardTimeoutDoubled: f.settings.hardTimeout *= 2
        case .recoverWaitZero: f.settings.recoverWait = 0
        case .recoverWaitDoubled: f.settings.recoverWait *= 2
        case .standbyIgnored: for s in f.servers.indices { f.servers[s].node.standby = false }
        case .weightsIgnored: for s in f.servers.indices { f.servers[s].node.weight = 60 }
        case .acksIgnored: f.settings.requireAckResponse = false
        case .ackTimeoutDoubled: if f.settings.requireAckResponse { f.settings.ackResponseTimeout *= 2 }
        case .noResendAfterAckFailure: if f.settings.requireAckResponse { f.settings.dropChunksOnAckFailure = true }
        case .dnsCacheNeverExpires: f.settings.expireDNSCache = nil
        case .dnsCacheAlwaysExpires: f.settings.expireDNSCache = 0
        case .keepaliveOff: f.keepalive = false
        case .securityRemoved: f.security = nil
        case .secondaryIgnored: f.secondary = nil
        case .flushIntervalQuadrupled: f.buffer.flushInterval *= 4
        case .forceFlushIgnored: f.settings.ignoreForceFlush = true
        }
    }
}
