import Agent
import FluentdConfig
import Testing

@Suite("Configuration defaults (docs/agent-parameters.md)")
struct ConfigDefaultsTests {
    @Test func forwardOutputDefaultsMatchFluentd() throws {
        let f = try forwardOutput(forwardMatch())
        let s = f.settings
        #expect(f.transport == .tcp)
        #expect(f.sendTimeout == 60)
        #expect(f.connectTimeout == nil)
        #expect(s.heartbeatType == .transport)
        #expect(s.heartbeatInterval == 1)
        #expect(s.recoverWait == 10)
        #expect(s.hardTimeout == 60)
        #expect(s.phiThreshold == 16)
        #expect(s.phiFailureDetector)
        #expect(!s.requireAckResponse)
        #expect(s.ackResponseTimeout == 190)
        #expect(f.readIntervalMsec == 50)
        #expect(f.readLength == 512)
        #expect(s.expireDNSCache == nil)
        #expect(!s.dnsRoundRobin)
        #expect(!s.ignoreNetworkErrorsAtStartup)
        #expect(!s.verifyConnectionAtStartup)
        #expect(f.compress == .text)
        #expect(!f.keepalive)
        #expect(f.keepaliveTimeout == nil)
        #expect(!f.timeAsInteger)
        #expect(f.slowFlushLogThreshold == 20.0)
        #expect(f.security == nil)
        #expect(f.secondary == nil)
        // ForwardLab opt-ins are off.
        #expect(s.detector == .fluentd)
        #expect(!s.rebuildOnEveryChange && !s.clearWindowOnDisable && !s.skipTriedNodes)
        #expect(s.seed == nil)
        #expect(s == ForwarderSettings())
    }

    @Test func tlsDefaults() throws {
        let tls = try forwardOutput(forwardMatch()).tls
        #expect(tls.version == .tlsv1_2)
        #expect(tls.version.minor == 2)
        #expect(tls.ciphers == "ALL:!aNULL:!eNULL:!SSLv2")
        #expect(!tls.insecureMode)
        #expect(!tls.allowSelfSignedCert)
        #expect(tls.verifyHostname)
        #expect(tls.caCertPaths.isEmpty)
        #expect(tls.clientCertPath == nil && tls.clientPrivateKeyPath == nil && tls.clientPrivateKeyPassphrase == nil)
    }

    @Test func serverDefaults() throws {
        let f = try forwardOutput(forwardMatch())
        let server = try #require(f.servers.first)
        #expect(server.node == ForwarderNodeConfig(name: nil, host: "127.0.0.1", port: 24225, weight: 60, standby: false))
        #expect(server.sharedKey == nil)
        #expect(server.username == "")
        #expect(server.password == "")
        let port = try forwardOutput("<match **>\n@type forward\n<server>\nhost h\n</server>\n</match>").servers[0].node.port
        #expect(port == 24224)
    }

    @Test func memoryBufferDefaults() throws {
        let b = try forwardOutput(forwardMatch()).buffer
        #expect(b.type == .memory)
        #expect(b.chunkKeys == ["tag"])
        #expect(b.chunkLimitSize == 8 * 1024 * 1024)
        #expect(b.totalLimitSize == 512 * 1024 * 1024)
        #expect(b.queueLimitLength == nil)
        #expect(b.chunkLimitRecords == nil)
        #expect(b.chunkFullThreshold == 0.95)
        #expect(b.queuedChunksLimitSize == nil)
        #expect(b.compress == .text)
        #expect(b.flushMode == .default)
        #expect(b.effectiveFlushMode == .interval)
        #expect(b.flushInterval == 60)
        #expect(b.flushThreadCount == 1)
        #expect(b.flushThreadInterval == 1.0)
        #expect(b.flushThreadBurstInterval == 1.0)
        #expect(b.delayedCommitTimeout == 60)
        #expect(b.overflowAction == .throwException)
        #expect(b.flushAtShutdown == nil)
        #expect(b.effectiveFlushAtShutdown)
        #expect(b.retryType == .exponentialBackoff)
        #expect(b.retryWait == 1)
        #expect(b.retryExponentialBackoffBase == 2)
        #expect(b.retryRandomize)
        #expect(b.retryMaxInterval == nil)
        #expect(b.retryMaxTimes == nil)
        #expect(b.retryTimeout == 72 * 3600)
        #expect(!b.retryForever)
        #expect(b.retrySecondaryThreshold == 0.8)
        #expect(!b.disableChunkBackup)
        #expect(b.timekey == nil && b.timekeyWait == 600 && !b.timekeyUseUTC && b.timekeyZone == nil)
        // The core's own defaults agree.
        #expect(b.bufferSettings == BufferSettings())
        #expect(b.retrySettings == RetrySettings())
    }

    @Test func fileBufferDefaults() throws {
        let b = try forwardOutput(forwardMatch("<buffer>\n@type file\npath /tmp/x\n</buffer>")).buffer
        #expect(b.type == .file)
        #expect(b.path == "/tmp/x")
        #expect(b.chunkLimitSize == 256 * 1024 * 1024)
        #expect(b.totalLimitSize == 64 * 1024 * 1024 * 1024)
        #expect(!b.effectiveFlushAtShutdown)
        #expect(b.bufferSettings.flushAtShutdown == false)
    }

    @Test func systemDefaults() throws {
        let c = try parseConfig(forwardMatch())
        #expect(c.system == SystemConfig())
        #expect(c.system.logLevel == .info)
        #expect(c.system.rpcEndpoint == nil)
        #expect(!c.system.enableGetDump)
        #expect(c.system.workers == 1)
        #expect(c.system.dnsResolver == nil)
    }

    @Test func sampleSourceDefaults() throws {
        let c = try parseConfig("<source>\n@type sample\ntag test.a\n</source>\n" + forwardMatch())
        guard case .sample(let s) = try #require(c.sources.first) else { Issue.record("not a sample source"); return }
        #expect(s.tag == "test.a")
        #expect(s.rate == 1 && s.size == 1 && s.autoIncrementKey == nil && !s.suspend)
        #expect(s.records == [.object([(key: "message", value: .string("sample"))])])
        #expect(c.warnings.isEmpty)
    }

    @Test func forwardSourceDefaults() throws {
        let c = try parseConfig("<source>\n@type forward\n</source>\n" + forwardMatch())
        guard case .forward(let s) = try #require(c.sources.first) else { Issue.record("not a forward source"); return }
        #expect(s.port == 24224)
        #expect(s.bind == "0.0.0.0")
        #expect(!s.hasSecurity && !s.isTLS)
        #expect(s.element.type == "forward")
    }

    @Test func writtenValuesAndUnits() throws {
        let f = try forwardOutput(forwardMatch("""
              heartbeat_interval 2s
              recover_wait 1m
              hard_timeout 1h
              read_length 1k
              expire_dns_cache 0
              send_timeout 0.5
              keepalive true
              keepalive_timeout 30
              require_ack_response
              compress gzip
              <buffer>
                chunk_limit_size 1m
                total_limit_size 1g
                flush_interval 500
              </buffer>
            """))
        #expect(f.settings.heartbeatInterval == 2)
        #expect(f.settings.recoverWait == 60)
        #expect(f.settings.hardTimeout == 3600)
        #expect(f.readLength == 1024)
        #expect(f.settings.expireDNSCache == 0)
        #expect(f.sendTimeout == 0.5)
        #expect(f.keepalive && f.keepaliveTimeout == 30)
        #expect(f.settings.requireAckResponse)  // a bare key is true
        #expect(f.compress == .gzip)
        #expect(f.buffer.compress == .gzip)  // out_forward switches a text buffer to gzip
        #expect(f.buffer.chunkLimitSize == 1 << 20)
        #expect(f.buffer.totalLimitSize == 1 << 30)
        #expect(f.buffer.flushInterval == 500)
        #expect(f.settings.effectiveDelayedCommitTimeout == 192)
    }

    @Test func quirk33FractionalTimeWithUnit() throws {
        // "0.5s" is 5 seconds in Fluentd (quirk 33 in docs/quirks.md).
        let f = try forwardOutput(forwardMatch("  heartbeat_interval 0.5s"))
        #expect(f.settings.heartbeatInterval == 5)
    }

    @Test func effectiveSettingsMarkDefaults() throws {
        let c = try parseConfig(forwardMatch("  heartbeat_interval 2"))
        let hb = try #require(c.effectiveSettings.first { $0.name == "heartbeat_interval" })
        #expect(!hb.isDefault)
        #expect(hb.location == ConfigLocation(file: "test.conf", line: 3))
        #expect(hb.value == "2s")
        let rw = try #require(c.effectiveSettings.first { $0.name == "recover_wait" })
        #expect(rw.isDefault && rw.value == "10s")
        let report = c.effectiveSettingsReport()
        #expect(report.contains("<match test.**>"))
        #expect(report.contains("(test.conf:3)"))
        #expect(report.contains("<match test.**> <buffer>"))
        #expect(report.contains("retry_timeout"))
    }

    @Test func secretsAreMasked() throws {
        let c = try parseConfig(forwardMatch("  <security>\n    self_hostname me\n    shared_key s3cret\n  </security>"))
        #expect(!c.configText.contains("s3cret"))
        #expect(c.configText.contains("shared_key xxxxxx"))
        #expect(!c.effectiveSettings.contains { $0.value.contains("s3cret") })
        #expect(c.forwardOutputs[0].security == SecurityConfig(selfHostname: "me", sharedKey: "s3cret"))
    }

    @Test func forwardLabExtensions() throws {
        let f = try forwardOutput(forwardMatch("""
              detector normal
              detector_max_sample_size 200
              detector_min_std_deviation 0.2
              detector_acceptable_heartbeat_pause 3
              fwdlab_rebuild_on_every_change true
              fwdlab_clear_window_on_disable true
              fwdlab_skip_tried_nodes true
              fwdlab_seed 42
            """))
        #expect(f.settings.detector == .normal(NormalPhiDetector.Parameters(
            maxSampleSize: 200, minStdDeviation: 0.2, acceptableHeartbeatPause: 3, firstHeartbeatEstimate: 1)))
        #expect(f.settings.rebuildOnEveryChange && f.settings.clearWindowOnDisable && f.settings.skipTriedNodes)
        #expect(f.settings.seed == 42)
        #expect(try forwardOutput(forwardMatch("  detector exponential")).settings.detector == .exponential)
    }

    @Test func systemSection() throws {
        let c = try parseConfig("""
            <system>
              log_level debug
              rpc_endpoint 127.0.0.1:24444
              enable_get_dump true
              dns_resolver 127.0.0.1:5353
              fwdlab_rpc_detailed_errors true
            </system>
            """)
        #expect(c.system.logLevel == .debug)
        #expect(c.system.rpcEndpoint == HostPort(host: "127.0.0.1", port: 24444))
        #expect(c.system.enableGetDump)
        #expect(c.system.dnsResolver == HostPort(host: "127.0.0.1", port: 5353))
        #expect(c.system.rpcDetailedErrors && !c.system.rpcStrictRoutes)
        #expect(try parseConfig("<system>\ndns_resolver 10.0.0.2\n</system>").system.dnsResolver == HostPort(host: "10.0.0.2", port: 53))
        #expect(try parseConfig("<system>\nrpc_endpoint \"[::1]:24444\"\n</system>").system.rpcEndpoint == HostPort(host: "::1", port: 24444))
    }

    @Test func hostPortParsing() {
        #expect(HostPort.parse("0.0.0.0:24444") == HostPort(host: "0.0.0.0", port: 24444))
        #expect(HostPort.parse("localhost:1") == HostPort(host: "localhost", port: 1))
        #expect(HostPort.parse("[fe80::1]:80") == HostPort(host: "fe80::1", port: 80))
        #expect(HostPort.parse("::1", defaultPort: 53) == HostPort(host: "::1", port: 53))
        #expect(HostPort.parse("host") == nil)
        #expect(HostPort.parse("host:") == nil)
        #expect(HostPort.parse("host:99999") == nil)
        #expect(HostPort.parse("ho st:1") == nil)
        #expect(HostPort.parse("host:12a") == nil)
        #expect(HostPort.parse(":80") == nil)
        #expect(HostPort(host: "::1", port: 5).description == "[::1]:5")
    }
}
