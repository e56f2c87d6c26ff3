import FluentdConfig
import ForwardProtocol

/// `@type forward` output (out_forward v1.16.9; docs/agent-parameters.md, "<match> @type forward"): every parameter
/// with Fluentd's default, mapped onto the core's `ForwarderSettings`, plus ForwardLab's opt-in detector and better
/// behaviours (the quirks they address: docs/quirks.md).
public struct ForwardOutputConfig: Sendable, Equatable {
    /// `transport`.
    public enum Transport: String, Sendable, Equatable, CaseIterable { case tcp, tls }
    /// `compress` (wire compression; `gzip` or `zstd` also switches a `text` buffer to it; `zstd` only under the 1.19 profile).
    public enum Compression: String, Sendable, Equatable, CaseIterable { case text, gzip, zstd }

    /// Heartbeat, detector, ack, DNS and startup options, plus the better behaviours (core type).
    public var settings = ForwarderSettings()
    public var servers: [ServerConfig] = []
    /// `<service_discovery>` sections (their configure-time servers are in `servers` too).
    public var serviceDiscovery: [ServiceDiscoveryConfig] = []
    public var security: SecurityConfig? = nil
    public var transport: Transport = .tcp
    public var tls = TLSClientConfig()
    public var sendTimeout: Double = 60
    /// nil → the OS connect timeout.
    public var connectTimeout: Double? = nil
    public var readIntervalMsec = 50
    public var readLength = 512
    public var compress: Compression = .text
    /// The release this output behaves as (`<system> fwdlab_fluentd_version`).
    public var profile: FluentdReleaseProfile = .default
    public var keepalive = false
    /// nil → cached connections never expire.
    public var keepaliveTimeout: Double? = nil
    public var timeAsInteger = false
    public var slowFlushLogThreshold: Double = 20.0
    /// `fwdlab_flush_thread_start` / `fwdlab_enqueue_thread_start`: how the buffer's threads begin (Fluentd's phase
    /// is a thread race; the default is what 1.16.9 measurably does most often).
    public var flushThreadStart: ThreadStartChoice = .fluentdDefault
    public var enqueueThreadStart: ThreadStartChoice = .fluentdDefault
    public var buffer = BufferConfig()
    public var secondary: SecondaryConfig? = nil
    /// `@id` of the plugin, if written.
    public var id: String? = nil
    /// `@log_level` of the plugin, if written.
    public var logLevel: SystemConfig.LogLevel? = nil

    public init() {}

    /// The nodes in configuration order, as the core wants them.
    public var nodes: [ForwarderNodeConfig] { servers.map(\.node) }

    /// The shared key used with `server` (its own key, else `<security> shared_key`).
    public func sharedKey(for server: ServerConfig) -> String? { server.sharedKey ?? security?.sharedKey }

    /// `read_interval_msec` in seconds.
    public var readInterval: Double { Double(readIntervalMsec) / 1000 }

    /// The core's retry settings with `hasSecondary` filled in.
    public var retrySettings: RetrySettings {
        var s = buffer.retrySettings
        s.hasSecondary = secondary != nil
        return s
    }

    static let betterBehaviourNames = ["fwdlab_rebuild_on_every_change", "fwdlab_clear_window_on_disable", "fwdlab_skip_tried_nodes", "fwdlab_read_acks_on_arrival", "fwdlab_wait_for_acks_at_shutdown", "fwdlab_keep_buffer_on_reload"]

    static func parse(_ element: ConfigElement, path: String, asSecondary: Bool, into ctx: inout ConfigBuildContext) throws -> ForwardOutputConfig {
        var c = ForwardOutputConfig()
        var r = SectionReader(element, path: path)
        r.raw.ignore("type", "log_level")
        c.id = element.id
        c.logLevel = try Self.pluginLogLevel(element)

        // Obsolete single-server form (of.rb): a ConfigError that points to <server>.
        for name in ["host", "port"] {
            r.raw.ignore(name)
            if let p = element.param(name) {
                throw ConfigError("'\(name)' parameter is already removed: Use <server> section instead. (\(r.context))", at: p.location)
            }
        }

        c.transport = try r.value("transport", .enumeration(Transport.allCases.map(\.rawValue)), default: .tcp) { $0.rawValue } map: {
            Transport(rawValue: $0)!
        }
        c.sendTimeout = try r.time("send_timeout", default: 60)
        c.connectTimeout = try r.optionalTime("connect_timeout", note: "nil = OS connect timeout")

        var s = ForwarderSettings()
        let hbType = try r.enumeration("heartbeat_type", allowed: ["transport", "tcp", "udp", "none"], default: "transport")
        if hbType == "tcp" {
            r.warn("'heartbeat_type tcp' is deprecated. use 'transport' instead. (\(r.context))", at: r.written(["heartbeat_type"])?.location)
        }
        s.heartbeatType = hbType == "udp" ? .udp : hbType == "none" ? .none : .transport
        s.heartbeatInterval = try r.time("heartbeat_interval", default: 1)
        s.recoverWait = try r.time("recover_wait", default: 10)
        s.hardTimeout = try r.time("hard_timeout", default: 60)
        s.phiThreshold = Double(try r.integer("phi_threshold", default: 16))
        s.phiFailureDetector = try r.bool("phi_failure_detector", default: true)
        s.requireAckResponse = try r.bool("require_ack_response", default: false)
        s.ackResponseTimeout = try r.time("ack_response_timeout", default: 190)
        c.readIntervalMsec = try r.integer("read_interval_msec", default: 50)
        c.readLength = try r.size("read_length", default: 512)
        if c.readLength <= 0 { throw r.error("read_length must be positive", at: r.written(["read_length"])?.location) }
        s.expireDNSCache = try r.optionalTime("expire_dns_cache", note: "nil = resolve once; 0 = every use")
        s.dnsRoundRobin = try r.bool("dns_round_robin", default: false)
        s.ignoreNetworkErrorsAtStartup = try r.bool("ignore_network_errors_at_startup", default: false)
        s.verifyConnectionAtStartup = try r.bool("verify_connection_at_startup", default: false)
        c.profile = ctx.profile
        c.compress = try r.value("compress", .enumeration(ctx.profile.forwardCompressValues), default: .text) { $0.rawValue } map: {
            Compression(rawValue: $0)!
        }
        if c.compress == .zstd {
            // out_forward 1.19's configure-time warning, word for word (it is log output a user may grep for).
            r.warn("zstd compression feature is an experimental new feature supported since v1.19.0. Please make sure that the destination server also supports this feature before using it. in_forward plugin for Fluentd supports it since v1.19.0.",
                   at: r.written(["compress"])?.location)
        }
        c.tls = try TLSClientConfig.parse(&r, isTLS: c.transport == .tls)
        c.keepalive = try r.bool("keepalive", default: false)
        c.keepaliveTimeout = try r.optionalTime("keepalive_timeout", note: "nil = never expire")
        if !c.keepalive, c.keepaliveTimeout != nil {
            r.warn("The value of keepalive_timeout is ignored. if you want to use keepalive, please add `keepalive true` to your conf. (\(r.context))",
                   at: r.written(["keepalive_timeout"])?.location)
        }
        c.timeAsInteger = try r.bool("time_as_integer", default: false)
        c.slowFlushLogThreshold = try r.float("slow_flush_log_threshold", default: 20.0)

        // ForwardLab extensions (opt-in; defaults reproduce Fluentd).
        s.detector = try parseDetector(&r, heartbeatInterval: s.heartbeatInterval)
        s.rebuildOnEveryChange = try r.bool("fwdlab_rebuild_on_every_change", default: false, note: "ForwardLab better behaviour (quirk 29)")
        s.clearWindowOnDisable = try r.bool("fwdlab_clear_window_on_disable", default: false, note: "ForwardLab better behaviour (quirk 5)")
        s.skipTriedNodes = try r.bool("fwdlab_skip_tried_nodes", default: false, note: "ForwardLab better behaviour (quirk 28)")
        s.readAcksOnArrival = try r.bool("fwdlab_read_acks_on_arrival", default: false, note: "ForwardLab better behaviour (quirk 35)")
        s.waitForAcksAtShutdown = try r.bool("fwdlab_wait_for_acks_at_shutdown", default: false, note: "ForwardLab better behaviour (quirk 36)")
        s.keepBufferOnReload = try r.bool("fwdlab_keep_buffer_on_reload", default: false, note: "ForwardLab better behaviour (quirk 43)")
        c.flushThreadStart = try Self.threadStart(&r, "fwdlab_flush_thread_start")
        c.enqueueThreadStart = try Self.threadStart(&r, "fwdlab_enqueue_thread_start")
        if let seed = try r.optional("fwdlab_seed", .integer, note: "ForwardLab extension", show: { String($0) }) {
            guard seed >= 0 else { throw r.error("fwdlab_seed must be a non-negative integer", at: r.written(["fwdlab_seed"])?.location) }
            s.seed = UInt64(seed)
        }

        // Sections.
        if let sec = try r.raw.section("security") {
            c.security = try SecurityConfig.parse(sec, parentPath: path, into: &ctx)
        }
        let serverElements = try r.raw.sections("server")
        for (i, el) in serverElements.enumerated() {
            c.servers.append(try ServerConfig.parse(el, index: i, parentPath: path, into: &ctx))
        }
        // <server>s first, then each <service_discovery>'s services (out_forward prepends a static discovery).
        for (i, el) in try r.raw.sections("service_discovery").enumerated() {
            let sd = try ServiceDiscoveryConfig.parse(el, index: i, parentPath: path, into: &ctx)
            c.serviceDiscovery.append(sd)
            c.servers += sd.initialServers
        }
        c.servers = ServerConfig.collapsingIdentical(c.servers)

        let bufferElement = try r.raw.section("buffer")
        let legacy = try LegacyBufferParameters.convert(&r, defaultChunkKey: "tag", hasBufferSection: bufferElement != nil)
        if asSecondary {
            if let b = bufferElement { throw ConfigError("<secondary> section cannot have <buffer> section (\(r.context))", at: b.location) }
        }
        c.buffer = try BufferConfig.parse(
            bufferElement ?? legacy.buffer, parent: element, path: "\(path) <buffer>", defaultChunkKeys: ["tag"],
            flushIntervalOutside: legacy.flushIntervalOutside, into: &ctx)
        if !asSecondary && !c.buffer.chunkKeys.contains("tag") {
            throw ConfigError("buffer chunk key must include 'tag' for forward output (\(r.context))", at: (bufferElement ?? legacy.buffer)?.location ?? element.location)
        }
        if !asSecondary {
            try c.reconcileBufferCompression(&r)
        }
        s.delayedCommitTimeout = c.buffer.delayedCommitTimeout
        if s.requireAckResponse {
            r.record("delayed_commit_timeout (effective)", ConfigDisplay.seconds(s.effectiveDelayedCommitTimeout) + "s", isDefault: true,
                     note: "overwritten from ack_response_timeout")
        }

        if let sec = try r.raw.section("secondary") {
            if asSecondary { throw ConfigError("<secondary> section cannot have <secondary> section (\(r.context))", at: sec.location) }
            c.secondary = try SecondaryConfig.parse(sec, primaryType: "forward", primaryBuffer: c.buffer, path: "\(path) <secondary>", into: &ctx)
        }

        // Typos first: an unknown name usually explains the semantic errors below (e.g. `<serverr>`).
        try r.raw.rejectUnknown()
        // Fluentd's configure-time checks (core) with the line of the most relevant parameter.
        for message in s.validationErrors(nodes: c.servers.map(\.node), nodesLater: c.serviceDiscovery.contains { $0.dynamicKind == .srv }) {
            let at: ConfigLocation?
            if message.contains("dns_round_robin") { at = r.written(["dns_round_robin"])?.location }
            else if message.contains("ack_response_timeout") { at = r.written(["ack_response_timeout"])?.location }
            else if message.contains("heartbeat_interval") { at = r.written(["heartbeat_interval"])?.location }
            else { at = nil }
            throw ConfigError("\(message) (\(r.context))", at: at ?? element.location)
        }
        c.settings = s
        try ctx.finish(r)
        return c
    }

    /// `detector fluentd|exponential|normal` and the normal detector's parameters.
    static func parseDetector(_ r: inout SectionReader, heartbeatInterval: Double) throws -> DetectorKind {
        let kind = try r.enumeration("detector", allowed: ["fluentd", "exponential", "normal"], default: "fluentd", note: "ForwardLab extension")
        let normalNames = ["detector_max_sample_size", "detector_min_std_deviation", "detector_acceptable_heartbeat_pause",
                           "detector_first_heartbeat_estimate"]
        guard kind == "normal" else {
            r.raw.ignore(normalNames[0], normalNames[1], normalNames[2], normalNames[3])
            if let p = r.written(normalNames) {
                throw ConfigError("'\(p.name)' only applies to 'detector normal' (\(r.context))", at: p.location)
            }
            return kind == "exponential" ? .exponential : .fluentd
        }
        let size = try r.integer("detector_max_sample_size", default: 1000, note: "ForwardLab extension")
        if size < 1 { throw r.error("detector_max_sample_size must be at least 1", at: r.written(["detector_max_sample_size"])?.location) }
        let minStd = try r.time("detector_min_std_deviation", default: 0.1, note: "ForwardLab extension")
        let pause = try r.time("detector_acceptable_heartbeat_pause", default: 0, note: "ForwardLab extension")
        let first = try r.optionalTime("detector_first_heartbeat_estimate", note: "ForwardLab extension; nil = heartbeat_interval")
        if minStd <= 0 { throw r.error("detector_min_std_deviation must be positive", at: r.written(["detector_min_std_deviation"])?.location) }
        return .normal(NormalPhiDetector.Parameters(
            maxSampleSize: size, minStdDeviation: minStd, acceptableHeartbeatPause: pause,
            firstHeartbeatEstimate: first ?? heartbeatInterval))
    }

    /// `fwdlab_flush_thread_start` / `fwdlab_enqueue_thread_start`: `after_started_poll` (default), `immediate`,
    /// `seeded`, or a comma list of the first two, one per thread (docs/agent-parameters.md).
    static func threadStart(_ r: inout SectionReader, _ name: String) throws -> ThreadStartChoice {
        let text = try r.value(name, .string, default: ThreadStartChoice.fluentdDefault.parameter,
                               note: "ForwardLab extension (Fluentd's phase is a thread race)") { $0 }
        guard let choice = ThreadStartChoice(parameter: text) else {
            throw r.error("\(name) must be after_started_poll, immediate, seeded or a comma list of the first two, not '\(text)'",
                          at: r.written([name])?.location)
        }
        if name == "fwdlab_enqueue_thread_start", case .fixed(let list) = choice, list.count > 1 {
            throw r.error("\(name) takes one phase (there is one enqueue thread), not '\(text)'", at: r.written([name])?.location)
        }
        return choice
    }

    /// `@log_level` (or `log_level`) of a plugin section.
    static func pluginLogLevel(_ element: ConfigElement) throws -> SystemConfig.LogLevel? {
        guard let raw = element.logLevel else { return nil }
        guard let level = SystemConfig.LogLevel(rawValue: raw) else {
            let p = element.param("@log_level") ?? element.param("log_level")
            throw ConfigError("invalid @log_level '\(raw)' in \(element.context): valid options are \(SystemConfig.LogLevel.allCases.map(\.rawValue).joined(separator: ","))", at: p?.location ?? element.location)
        }
        return level
    }
}

extension ForwardOutputConfig {
    /// out_forward's `configure` rule for `compress` beside `<buffer> compress` (docs/agent-parameters.md, "compress"):
    /// a text buffer takes the output's codec; a compressed buffer with a text output is only logged; 1.19 refuses two
    /// different codecs, which 1.16/1.18 cannot meet (their only codec is gzip).
    mutating func reconcileBufferCompression(_ r: inout SectionReader) throws {
        guard let codec = BufferConfig.Compression(rawValue: compress.rawValue) else { return }
        if compress != .text && buffer.compress == .text {
            buffer.compress = codec
            r.record("<buffer> compress (effective)", codec.rawValue, isDefault: true, note: "set by 'compress \(codec.rawValue)'")
        } else if compress == .text && buffer.compress != .text {
            r.warn("buffer is compressed. If you also want to save the bandwidth of a network, add `compress \(buffer.compress.rawValue)` to the output (\(r.context))")
        } else if codec != buffer.compress {
            throw r.error("You cannot specify different compression formats for Buffer (Buffer: \(buffer.compress.rawValue), Self: \(compress.rawValue))",
                          at: r.written(["compress"])?.location)
        }
    }

    /// The wire codec (nil for `text`).
    public var compression: ForwardCompression? {
        switch compress {
        case .text: return nil
        case .gzip: return .gzip
        case .zstd: return .zstd
        }
    }
}
