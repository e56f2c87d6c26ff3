import Agent
import FluentdConfig
import Testing

@Suite("v0.12 names (docs/agent-parameters.md)")
struct LegacyConversionTests {
    @Test func everyNameConverts() throws {
        let c = try parseConfig(forwardMatch("""
              buffer_type file
              buffer_path /tmp/legacy
              num_threads 3
              flush_interval 7
              try_flush_interval 2
              queued_chunk_flush_interval 3
              disable_retry_limit false
              retry_limit 9
              max_retry_wait 100
              buffer_chunk_limit 2m
              buffer_queue_limit 16
              buffer_queue_full_action exception
              flush_at_shutdown true
              time_slice_wait 30
              timezone +0900
            """))
        let b = c.forwardOutputs[0].buffer
        #expect(b.type == .file)
        #expect(b.path == "/tmp/legacy")
        #expect(b.flushThreadCount == 3)
        #expect(b.flushInterval == 7)
        #expect(b.flushMode == .default && b.effectiveFlushMode == .interval)
        #expect(b.flushThreadInterval == 2)
        #expect(b.flushThreadBurstInterval == 3)
        #expect(b.retryForever == false)
        #expect(b.retryMaxTimes == 9)
        #expect(b.retryMaxInterval == 100)
        #expect(b.chunkLimitSize == 2 << 20)
        #expect(b.queueLimitLength == 16)
        #expect(b.bufferSettings.effectiveTotalLimitSize == 32 << 20)
        #expect(b.overflowAction == .throwException)
        #expect(b.flushAtShutdown == true)
        #expect(b.timekeyWait == 30)
        #expect(b.timekeyZone == "+0900")
        #expect(b.chunkKeys == ["tag"])
        // One warning per converted name, at its own line.
        let converted = c.warnings.filter { $0.message.contains("is a v0.12 name") }
        #expect(converted.count == 15)
        #expect(converted.first?.location == ConfigLocation(file: "test.conf", line: 3))
    }

    @Test func otherQueueFullActions() throws {
        let b = try forwardOutput(forwardMatch("  buffer_queue_full_action block")).buffer
        #expect(b.overflowAction == .block)
        let d = try forwardOutput(forwardMatch("  buffer_queue_full_action drop_oldest_chunk")).buffer
        #expect(d.overflowAction == .dropOldestChunk)
    }

    @Test func topLevelFlushIntervalForcesIntervalMode() throws {
        let f = try forwardOutput(forwardMatch("  flush_interval 0")).buffer
        #expect(f.flushInterval == 0 && f.effectiveFlushMode == .interval)
        // With a time chunk key `default` would be lazy; a top-level flush_interval forces interval.
        let c = try parseConfig("<match x>\n  @type file\n  path /tmp/a\n  time_slice_format %Y%m%d\n  flush_interval 10\n</match>")
        guard case .file(let out) = c.matches[0].output, let b = out.buffer else { Issue.record("expected a buffered file output"); return }
        #expect(b.chunkKeys == ["time"] && b.timekey == 86400)
        #expect(b.effectiveFlushMode == .interval)
        let lazy = try parseConfig("<match x>\n  @type file\n  path /tmp/a\n  time_slice_format %Y%m%d\n</match>")
        guard case .file(let out2) = lazy.matches[0].output else { return }
        #expect(out2.buffer?.effectiveFlushMode == .lazy)
    }

    @Test func noConversionWithoutOldNames() throws {
        let c = try parseConfig(forwardMatch())
        #expect(c.warnings.isEmpty)
    }

    @Test func topLevelRetryWaitIsIgnoredAsInFluentd() throws {
        let c = try parseConfig(forwardMatch("  retry_wait 5"))
        #expect(c.forwardOutputs[0].buffer.retryWait == 1)
        #expect(c.warnings.contains { $0.message.contains("'retry_wait' is ignored") })
    }

    @Test func timeSliceFormatTimekeys() throws {
        for (fmt, key) in [("%Y%m%d%H%M%S", 1.0), ("%Y%m%d%H%M", 60), ("%Y%m%d%H", 3600), ("%Y%m%d", 86400)] {
            // The file output accepts any chunk keys, so the conversion itself is visible there...
            let c = try parseConfig("<match x>\n  @type file\n  path /tmp/a\n  time_slice_format \(fmt)\n  utc\n</match>")
            guard case .file(let out) = c.matches[0].output else { Issue.record("expected file output"); continue }
            #expect(out.buffer?.timekey == key, "\(fmt)")
            #expect(out.buffer?.timekeyUseUTC == true)
            // ...while out_forward rejects it, as Fluentd does (the chunk keys lose `tag`).
            let e = #expect(throws: ConfigError.self) { try parseConfig(forwardMatch("  time_slice_format \(fmt)")) }
            #expect(e?.message.contains("must include 'tag'") == true, "\(fmt)")
        }
    }

    @Test func legacyNamesOnOtherOutputs() throws {
        // Fluentd's example/out_file.conf style.
        let c = try parseConfig("<match x>\n  @type file\n  path /tmp/a\n  format json\n  buffer_type memory\n</match>")
        guard case .file(let out) = c.matches[0].output else { Issue.record("expected file output"); return }
        #expect(out.format == .json && out.buffer?.type == .memory)
    }

    @Test func heartbeatTypeTcpBecomesTransport() throws {
        let c = try parseConfig(forwardMatch("  heartbeat_type tcp"))
        #expect(c.forwardOutputs[0].settings.heartbeatType == .transport)
        #expect(c.warnings.contains { $0.message.contains("'heartbeat_type tcp' is deprecated") && $0.location.line == 3 })
    }

    @Test func keepaliveTimeoutWithoutKeepaliveWarns() throws {
        let c = try parseConfig(forwardMatch("  keepalive_timeout 10"))
        #expect(c.warnings.contains { $0.message.contains("keepalive_timeout is ignored") })
    }

    @Test func nilLiteralReadsAsZeroLikeFluentd() throws {
        // Fluentd's example configs write `expire_dns_cache nil`; non-strict float conversion makes it 0.
        let c = try parseConfig(forwardMatch("  expire_dns_cache nil"))
        #expect(c.forwardOutputs[0].settings.expireDNSCache == 0)
        #expect(c.warnings.contains { $0.message.contains("'expire_dns_cache nil' is read as 0") })
    }
}
