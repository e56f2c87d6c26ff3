/// What happens to a forward connection after each thing that can happen to it, as out_forward decides it
/// (docs/fluentd-model.md, "Connections"): whether a new one is cached, where it goes after a send, after a failed
/// write and after its ack, and how a transport heartbeat probe is bounded. A plain value: the shell reports the
/// facts (cached, still open, what HELO said) and executes the answer.
public struct ConnectionPolicy: Sendable, Equatable {
    /// `keepalive`.
    public var keepalive: Bool
    /// `require_ack_response`.
    public var requireAck: Bool
    /// Quirk 16: the non-keepalive path registers the ack wait even when the write failed.
    public var registerAckOnFailedSend: Bool
    /// Quirk 20: a keepalive socket goes back to the cache after a failed or mismatched ack.
    public var reuseSocketAfterFailedAck: Bool
    /// Quirk 7: with keepalive, a cached idle socket counts as a transport heartbeat without I/O.
    public var keepaliveFakesHeartbeat: Bool
    /// Quirk 13 opt-in: HELO's `keepalive: false` keeps the connection out of the cache.
    public var honourHeloKeepalive: Bool
    /// Quirk 8 reproduction: probes one after another, each bounded by connect_timeout only.
    public var serialProbes: Bool
    /// `connect_timeout` (nil: the OS's).
    public var connectTimeout: AgentSeconds?
    /// `heartbeat_interval`.
    public var heartbeatInterval: AgentSeconds
    /// The probe bound when connect_timeout is nil (nil: heartbeat_interval).
    public var heartbeatProbeBound: AgentSeconds?

    public init(keepalive: Bool, requireAck: Bool, registerAckOnFailedSend: Bool = true, reuseSocketAfterFailedAck: Bool = true,
                keepaliveFakesHeartbeat: Bool = true, honourHeloKeepalive: Bool = false, serialProbes: Bool = false,
                connectTimeout: AgentSeconds?, heartbeatInterval: AgentSeconds, heartbeatProbeBound: AgentSeconds? = nil) {
        self.keepalive = keepalive
        self.requireAck = requireAck
        self.registerAckOnFailedSend = registerAckOnFailedSend
        self.reuseSocketAfterFailedAck = reuseSocketAfterFailedAck
        self.keepaliveFakesHeartbeat = keepaliveFakesHeartbeat
        self.honourHeloKeepalive = honourHeloKeepalive
        self.serialProbes = serialProbes
        self.connectTimeout = connectTimeout
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatProbeBound = heartbeatProbeBound
    }

    /// Where a connection goes.
    public enum Fate: Sendable, Equatable {
        /// Back into the keepalive cache, idle.
        case checkIn
        /// Out of the cache (if it was there) and closed.
        case close
    }

    /// What a write that failed does to its connection.
    public enum FailedWrite: Sendable, Equatable {
        /// A cached socket is revoked and closed (the connection manager's `purge_obsolete_socks` path).
        case revoke
        /// Quirk 16: the ack wait is registered as if the write had gone out, then the socket is closed, so the ack
        /// reader sees its EOF and disables the node.
        case awaitAckThenClose
        /// Closed.
        case close
    }

    /// A connection just opened: whether it enters the keepalive cache.
    public func cachesNewConnection(serverDeniesKeepalive: Bool) -> Bool {
        keepalive && !(honourHeloKeepalive && serverDeniesKeepalive)
    }

    /// A send without ack finished.
    public func afterSend(cached: Bool, open: Bool) -> Fate {
        keepalive && cached && open ? .checkIn : .close
    }

    /// A write failed.
    public func afterFailedWrite(cached: Bool) -> FailedWrite {
        if keepalive && cached { return .revoke }
        return requireAck && registerAckOnFailedSend ? .awaitAckThenClose : .close
    }

    /// The ack wait ended: `success` for the matching ack, false for a timeout, EOF or mismatch.
    public func afterAck(success: Bool, cached: Bool, open: Bool, serverDeniesKeepalive: Bool) -> Fate {
        guard keepalive && cached else { return .close }
        if open && (success || reuseSocketAfterFailedAck) && !(honourHeloKeepalive && serverDeniesKeepalive) { return .checkIn }
        // v1.16.9 checks even a dead socket back in; a later checkout fails on write and revokes it.
        return reuseSocketAfterFailedAck ? .checkIn : .close
    }

    /// Whether a transport probe first looks for an idle cached socket (and counts it as the answer, quirk 7), and
    /// puts a fresh probe's socket through the cache instead of closing it.
    public var probeUsesCache: Bool { keepalive && keepaliveFakesHeartbeat }

    /// A transport probe's bounds: `connect` for the TCP connect, `overall` for connect + TLS + handshake together
    /// (nil: none), so a round keeps its cadence; the serial mode has only connect_timeout, as quirk 8 has.
    public var probeBounds: (connect: AgentSeconds?, overall: AgentSeconds?) {
        if serialProbes { return (connectTimeout, nil) }
        let b = min(connectTimeout ?? .infinity, heartbeatProbeBound ?? heartbeatInterval)
        return (b, b.isFinite ? b : nil)
    }
}
