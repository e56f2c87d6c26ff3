import Agent
import FluentdConfig
import Testing

/// Routing as Fluentd 1.16.9's EventRouter and RootAgent do it: first match wins, filters written before it apply,
/// labels, relabel, copy, workers.
@Suite("Routing table")
struct RoutingTableTests {
    static let forward = """
        @type forward
        <server>
          host 127.0.0.1
          port 24225
        </server>
        """

    func target(_ c: AgentConfiguration, _ tag: String, label: String? = nil, worker: Int = 0) -> RoutingTable.Target {
        c.resolvedRoute(tag: tag, label: label, worker: worker).target
    }

    @Test func firstMatchWinsAndOnlyEarlierFiltersApply() throws {
        let c = try parseConfig("""
            <filter a.**>
              @type grep
              regexp1 k v
            </filter>
            <match a.b>
              @type null
            </match>
            <filter a.**>
              @type record_transformer
            </filter>
            <match a.**>
            \(Self.forward)
            </match>
            <match a.b>
              @type stdout
            </match>
            """)
        #expect(c.resolvedRoute(tag: "a.b") == .init(filters: [0], target: .null))
        // The second filter is written after <match a.b> but before <match a.**>: it applies to a.c.
        #expect(c.resolvedRoute(tag: "a.c") == .init(filters: [0, 1], target: .forward(0)))
        #expect(target(c, "x") == .unmatched(label: "@ROOT"))
        #expect(!c.resolvedRoute(tag: "a.b").isDirectForward)
    }

    @Test func aRelayWithoutFiltersIsDirect() throws {
        let c = try parseConfig("<match **>\n\(Self.forward)\n</match>")
        #expect(c.resolvedRoute(tag: "anything").isDirectForward)
    }

    @Test func labelsRelabelAndRoot() throws {
        let c = try parseConfig("""
            <source>
              @type forward
              @label @IN
            </source>
            <match back.**>
              @type stdout
            </match>
            <label @IN>
              <filter **>
                @type grep
                <exclude>
                  key drop
                  pattern /yes/
                </exclude>
              </filter>
              <match app.**>
                @type relabel
                @label @OUT
              </match>
              <match back.**>
                @type relabel
                @label @ROOT
              </match>
            </label>
            <label @OUT>
              <match **>
            \(Self.forward)
              </match>
            </label>
            """)
        #expect(c.resolvedRoute(tag: "app.x", label: "@IN") == .init(filters: [0], target: .forward(0)))
        guard case .stdout = target(c, "back.x", label: "@IN") else { Issue.record("expected stdout via @ROOT"); return }
        #expect(target(c, "other", label: "@IN") == .unmatched(label: "@IN"))
        // The top level does not see label rules.
        #expect(target(c, "app.x") == .unmatched(label: "@ROOT"))
    }

    @Test func copyStoresAreResolvedInOrder() throws {
        let c = try parseConfig("""
            <match **>
              @type copy
              <store>
                @type stdout
              </store>
              <store ignore_error>
            \(Self.forward)
              </store>
              <store ignore_if_prev_success>
                @type relabel
                @label @L
              </store>
            </match>
            <label @L>
              <match **>
                @type null
              </match>
            </label>
            """)
        guard case .copy(let b) = target(c, "t") else { Issue.record("expected copy"); return }
        #expect(b.count == 3)
        #expect(b[1].route.target == .forward(0) && b[1].ignoreError && !b[1].ignoreIfPrevSuccess)
        #expect(b[2].route.target == .null && b[2].ignoreIfPrevSuccess)
        #expect(c.forwardOutputs.count == 1 && c.unrunnableReason() == nil)
    }

    @Test func relabelLoopsAreCut() throws {
        let c = try parseConfig("""
            <match **>
            \(Self.forward)
            </match>
            <label @A>
              <match **>
                @type relabel
                @label @A
              </match>
            </label>
            """)
        #expect(target(c, "t", label: "@A") == .relabelLoop("@A"))
    }

    @Test func workerSectionsComeAfterTopLevelRules() throws {
        let c = try parseConfig("""
            <system>
              workers 3
            </system>
            <worker 1-2>
              <match w.**>
                @type stdout
              </match>
            </worker>
            <match **>
            \(Self.forward)
            </match>
            """)
        // root_agent.rb appends <worker> elements after the top-level ones: <match **> is found first.
        #expect(target(c, "w.x", worker: 1) == .forward(0))
        #expect(c.workers(ofSource: 0) == 0...2)
    }

    @Test func workerSectionRulesOnlyOnTheirWorkers() throws {
        let c = try parseConfig("""
            <system>
              workers 2
            </system>
            <match a>
            \(Self.forward)
            </match>
            <worker 1>
              <source>
                @type sample
                tag w
              </source>
              <match w>
                @type null
              </match>
            </worker>
            """)
        #expect(target(c, "w", worker: 1) == .null)
        #expect(target(c, "w", worker: 0) == .unmatched(label: "@ROOT"))
        #expect(c.workers(ofSource: 0) == 1...1)
    }

    /// buf_file's plugin_root_dir: a file buffer without path under <system> root_dir, for a plugin with @id.
    @Test func fileBufferPathFromRootDir() throws {
        let c = try parseConfig("<system>\n  root_dir /var/lib/agent\n</system>\n<match **>\n  @id out1\n\(RoutingTableTests.forward)\n  <buffer>\n    @type file\n  </buffer>\n</match>")
        #expect(c.forwardOutputs.first?.buffer.path == "/var/lib/agent/worker0/out1/buffer")
        expectConfigError("<system>\n  root_dir /var/lib/agent\n</system>\n<match **>\n\(RoutingTableTests.forward)\n  <buffer>\n    @type file\n  </buffer>\n</match>", line: 10, "buffer path is not configured")
    }

    @Test func routingErrors() {
        expectConfigError("<label @ROOT>\n</label>", line: 1, "@ROOT for <label> is not permitted")
        expectConfigError("<match **>\n  @type relabel\n  @label @NOPE\n</match>", line: 1, "unknown label @NOPE")
        expectConfigError("<system>\n  workers 2\n</system>\n<worker 0-1>\n</worker>\n<worker 1>\n</worker>\n<worker 1-1>\n</worker>", line: 8, "collisions is detected")
        expectConfigError("<system>\n  workers 2\n</system>\n<worker 1-0>\n</worker>", line: 4, "greater first_worker_id<1> than last_worker_id<0>")
        expectConfigError("<system>\n  workers 2\n</system>\n<worker 0>\n  <system>\n  </system>\n</worker>", line: 5, "<worker> section cannot have <system> directive")
        expectConfigError("<worker>\n</worker>", line: 1, "Missing worker id")
        expectConfigError("<match **>\n  @type copy\n</match>", line: 1, "<store> sections are required")
        expectConfigError("<match **>\n  @type copy\n  <store ignore_if_prev_success>\n    @type null\n  </store>\n</match>", line: 3, "ignore_if_prev_success must specify 2nd or later")
    }

    @Test func unrunnableConfigurationsNameThePlugin() throws {
        // A receiver's configuration (no forward output) runs: inputs, filters, stdout/null.
        let noForward = try parseConfig("<source>\n  @type forward\n</source>\n<match **>\n  @type stdout\n</match>")
        #expect(noForward.unrunnableReason() == nil)
        let two = try parseConfig("<match a>\n\(Self.forward)\n</match>\n<match b>\n\(Self.forward)\n</match>")
        // Several forward outputs run, each its own ForwardingAgent; routes name theirs.
        #expect(two.unrunnableReason() == nil)
        #expect(two.resolvedRoute(tag: "a").target == .forward(0) && two.resolvedRoute(tag: "b").target == .forward(1))
        let file = try parseConfig("<match a>\n\(Self.forward)\n</match>\n<match b>\n  @type copy\n  <store>\n    @type file\n    path /tmp/x\n  </store>\n</match>")
        #expect(file.unrunnableReason()?.line == 10)
        #expect(file.unrunnableReason()?.message.contains("output plugin 'file'") == true)
        #expect(file.unrunnableReason()?.message.contains("--agent fluentd") == true)
    }
}
