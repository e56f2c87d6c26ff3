import Foundation

extension AgentRuntimeSettings {
    /// The runtime settings for one `<match> @type forward` (the config layer's typed view; docs/agent-parameters.md).
    public init(forward c: ForwardOutputConfig) {
        self.init()
        forwarder = c.settings
        forwarder.delayedCommitTimeout = c.buffer.delayedCommitTimeout
        nodes = c.nodes
        credentials = c.servers.map { NodeCredentials(sharedKey: $0.sharedKey, username: $0.username, password: $0.password) }
        identities = c.servers.map(\.discovered)
        discovery = c.serviceDiscovery.filter { $0.dynamicKind != nil }
        security = c.security.map { ClientSecuritySettings(selfHostname: $0.selfHostname, sharedKey: $0.sharedKey) }
        if c.transport == .tls {
            tls = c.tls
        }
        compression = c.compression
        if !c.profile.boundsHandshakeByHardTimeout { behaviour.handshakeTimeout = .unbounded }
        timeAsInteger = c.timeAsInteger
        keepalive = c.keepalive
        keepaliveTimeout = c.keepalive ? c.keepaliveTimeout : nil
        connectTimeout = c.connectTimeout
        sendTimeout = c.sendTimeout
        readLength = c.readLength
        slowFlushLogThreshold = c.slowFlushLogThreshold
        buffer = c.buffer.bufferSettings
        switch c.buffer.type {
        case .memory: bufferStorage = .memory
        case .file: bufferStorage = .file(path: c.buffer.path ?? "/tmp/fwdlab-buffer")
        }
        retry = c.retrySettings
        flushThreadInterval = c.buffer.flushThreadInterval
        flushThreadBurstInterval = c.buffer.flushThreadBurstInterval
        flushThreadStart = c.flushThreadStart
        enqueueThreadStart = c.enqueueThreadStart
        if let sec = c.secondary, case .file(let f) = sec.output {
            let dir = f.directory ?? (f.path as NSString).deletingLastPathComponent
            secondary = SecondaryFileSettings(directory: dir.isEmpty ? "." : dir, basename: f.basename ?? "dump.bin")
        }
    }

    /// The runtime settings of the first forward output of `configuration` (nil when it has none).
    public init?(configuration: AgentConfiguration) {
        guard let f = configuration.forwardOutputs.first else { return nil }
        self.init(forward: f)
    }
}
