import ForwardProtocol

/// Everything the NIO shell executes for one out_forward output: the core's settings plus the I/O parameters
/// (docs/agent-parameters.md) and named opt-in improvements. Fluentd v1.16 defaults throughout; built in code by tests and the bench,
/// and from `AgentConfiguration` by the config layer.
public struct AgentRuntimeSettings: Sendable {
    /// The sans-I/O core's settings (heartbeats, detector, acks, DNS cache, startup options).
    public var forwarder = ForwarderSettings()
    /// `<server>` sections in configuration order.
    public var nodes: [ForwarderNodeConfig] = []
    /// Per-`<server>` credentials (same order as `nodes`; missing entries mean none).
    public var credentials: [NodeCredentials] = []
    /// Discovery identity per node (same order as `nodes`; nil or missing: a node no discovery takes out).
    public var identities: [DiscoveredService?] = []
    /// `<service_discovery> @type file|srv` sources, watched once the output runs (docs/agent-parameters.md).
    public var discovery: [ServiceDiscoveryConfig] = []
    /// `<security>`; nil → no handshake (docs/forward-protocol.md, "When the handshake runs").
    public var security: ClientSecuritySettings? = nil
    /// `transport tls` when set (docs/forward-protocol.md, "Client TLS"); nil → plain TCP.
    public var tls: TLSClientConfig? = nil
    /// `compress gzip|zstd` (one gzip member or zstd frame per buffer append; docs/forward-protocol.md, "Sending a
    /// chunk"); nil for `text`.
    public var compression: ForwardCompression? = nil
    /// `time_as_integer`.
    public var timeAsInteger = false
    public var keepalive = false
    /// `keepalive_timeout` (nil = never expire).
    public var keepaliveTimeout: AgentSeconds? = nil
    /// `connect_timeout` (nil = OS connect timeout; heartbeat probes still get `heartbeatProbeBound`).
    public var connectTimeout: AgentSeconds? = nil
    /// `send_timeout`: bounds one request's write (Fluentd: SO_SNDTIMEO).
    public var sendTimeout: AgentSeconds = 60
    /// `read_length` (ack/handshake read size; UDP receive size).
    public var readLength = 512
    /// `slow_flush_log_threshold`.
    public var slowFlushLogThreshold: AgentSeconds = 20
    /// `<buffer>` queue parameters.
    public var buffer = BufferSettings()
    /// `<buffer> @type` and `path`.
    public var bufferStorage: BufferStorageKind = .memory
    /// `<buffer>` retry parameters.
    public var retry = RetrySettings()
    /// `flush_thread_interval` / `flush_thread_burst_interval`.
    public var flushThreadInterval: AgentSeconds = 1
    public var flushThreadBurstInterval: AgentSeconds = 1
    /// How the flush threads and the enqueue thread begin (docs/fluentd-model.md, "The flush thread(s)").
    public var flushThreadStart: ThreadStartChoice = .fluentdDefault
    public var enqueueThreadStart: ThreadStartChoice = .fluentdDefault
    /// `<secondary>` (file output); nil → none.
    public var secondary: SecondaryFileSettings? = nil
    /// Quirk reproductions and their opt-in fixes (docs/quirks.md).
    public var behaviour = RuntimeBehaviour()

    public init() {}

    /// Credentials of node `i` (empty when not configured).
    public func credentials(for i: Int) -> NodeCredentials {
        credentials.indices.contains(i) ? credentials[i] : NodeCredentials()
    }

    /// Appends a node service discovery brought in (index `nodes.count`, as in the core).
    public mutating func appendDiscovered(_ service: DiscoveredService) {
        while credentials.count < nodes.count { credentials.append(NodeCredentials()) }
        while identities.count < nodes.count { identities.append(nil) }
        nodes.append(service.node)
        credentials.append(NodeCredentials(sharedKey: service.sharedKey, username: service.username ?? "", password: service.password ?? ""))
        identities.append(service)
    }
}

/// `<server> shared_key / username / password`.
public struct NodeCredentials: Sendable, Equatable {
    public var sharedKey: String?
    public var username: String
    public var password: String

    public init(sharedKey: String? = nil, username: String = "", password: String = "") {
        self.sharedKey = sharedKey
        self.username = username
        self.password = password
    }
}

/// The client's `<security>` section.
public struct ClientSecuritySettings: Sendable, Equatable {
    public var selfHostname: String
    public var sharedKey: String

    public init(selfHostname: String, sharedKey: String) {
        self.selfHostname = selfHostname
        self.sharedKey = sharedKey
    }
}

/// `<buffer> @type`.
public enum BufferStorageKind: Sendable, Equatable {
    case memory
    /// `@type file` with `path` (a directory here; see `FileChunkStore`).
    case file(path: String)
}

/// `<secondary> @type secondary_file`-style output: each chunk is written as raw bytes to one file.
public struct SecondaryFileSettings: Sendable, Equatable {
    /// Directory for the files.
    public var directory: String
    /// File name prefix (`basename`, default "dump.bin").
    public var basename: String

    public init(directory: String, basename: String = "dump.bin") {
        self.directory = directory
        self.basename = basename
    }
}

extension AgentRuntimeSettings {
    /// Whether a graceful reload of an output running these settings drops the chunks its shutdown left: Fluentd's new
    /// output starts a new buffer, empty for a memory buffer, resumed from disk for a file one (quirk 43).
    public var reloadDropsBuffer: Bool { bufferStorage == .memory && !forwarder.keepBufferOnReload }

    /// The connection rules these settings ask for (`ConnectionPolicy`).
    public var connectionPolicy: ConnectionPolicy {
        ConnectionPolicy(keepalive: keepalive, requireAck: forwarder.requireAckResponse,
                         registerAckOnFailedSend: behaviour.registerAckOnFailedSend,
                         reuseSocketAfterFailedAck: behaviour.reuseSocketAfterFailedAck,
                         keepaliveFakesHeartbeat: behaviour.keepaliveFakesHeartbeat,
                         honourHeloKeepalive: behaviour.honourHeloKeepalive,
                         serialProbes: behaviour.heartbeatProbes == .serialBlocking,
                         connectTimeout: connectTimeout, heartbeatInterval: forwarder.heartbeatInterval,
                         heartbeatProbeBound: behaviour.heartbeatProbeBound)
    }
}

/// Named switches between Fluentd v1.16 behaviour (the defaults) and better behaviour (opt-in).
public struct RuntimeBehaviour: Sendable, Equatable {
    /// How transport heartbeat probes are scheduled within one timer run.
    public enum HeartbeatProbes: Sendable, Equatable {
        /// Default: every node probed at once, each bounded (docs/forward-protocol.md, "Heartbeats"); ticks still run in Fluentd's order.
        case concurrent
        /// Quirk 8 reproduction: one node after another, each bounded only by connect_timeout.
        case serialBlocking
    }

    /// How long the client waits for HELO/PONG.
    public enum HandshakeTimeout: Sendable, Equatable {
        /// v1.16.11 / HEAD (default): hard_timeout.
        case hardTimeout
        /// v1.16.9 (quirk 10): wait forever.
        case unbounded
        /// Better: a dedicated bound.
        case seconds(AgentSeconds)
    }

    /// How ack replies are read.
    public enum AckReads: Sendable, Equatable {
        /// Default (quirk 17's observable outcome): a read that does not hold a complete object is an error;
        /// the entry is dropped and the delayed-commit timeout recovers the chunk.
        case singleRead
        /// Better: keep reading into the connection's decoder until a whole object arrived.
        case reassemble
    }

    public var heartbeatProbes: HeartbeatProbes = .concurrent
    /// Bound for one transport probe when `connect_timeout` is nil (concurrent mode). nil → heartbeat_interval.
    public var heartbeatProbeBound: AgentSeconds? = nil
    public var handshakeTimeout: HandshakeTimeout = .hardTimeout
    public var ackReads: AckReads = .singleRead
    /// Quirk 16 (default true): register the ack wait even when the write failed on an open connection.
    public var registerAckOnFailedSend = true
    /// Quirk 20 (default true, v1.16.9): keepalive sockets go back to the cache after a failed/mismatched ack.
    public var reuseSocketAfterFailedAck = true
    /// Quirk 7 (default true): with keepalive, a cached idle socket counts as a heartbeat without I/O.
    public var keepaliveFakesHeartbeat = true
    /// Quirk 13 (default false): honour HELO `keepalive: false` by not caching the connection.
    public var honourHeloKeepalive = false

    public init() {}
}
