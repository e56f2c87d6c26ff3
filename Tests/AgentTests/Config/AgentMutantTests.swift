import Testing

@testable import Agent

/// Each mutant breaks exactly what its name says and nothing else; one that has nothing to break is equivalent.
@Suite struct AgentMutantTests {
    static let text = """
        <match **>
          @type forward
          heartbeat_interval 0.5
          phi_threshold 4
          hard_timeout 5
          recover_wait 2
          require_ack_response true
          ack_response_timeout 3
          expire_dns_cache 10
          keepalive true
          <server>
            name a
            host 127.0.0.1
            port 24224
            weight 30
          </server>
          <server>
            name b
            host 127.0.0.1
            port 24225
            standby true
          </server>
          <security>
            self_hostname agent
            shared_key k
          </security>
          <buffer>
            flush_interval 0.5
          </buffer>
          <secondary>
            @type file
            path /tmp/fwdlab-mutant-test
          </secondary>
        </match>
        """

    static func forward(_ c: AgentConfiguration) throws -> ForwardOutputConfig { try #require(c.forwardOutputs.first) }

    @Test func eachMutantChangesWhatItNames() throws {
        let c = try AgentConfiguration.parse(text: Self.text)
        let f = try Self.forward(c)
        for m in AgentMutant.allCases {
            #expect(m.changes(c), "\(m.rawValue) changes this configuration")
            let g = try Self.forward(m.applied(to: c))
            switch m {
            case .phiThresholdDoubled: #expect(g.settings.phiThreshold == 8)
            case .phiThresholdHalved: #expect(g.settings.phiThreshold == 2)
            case .heartbeatIntervalDoubled: #expect(g.settings.heartbeatInterval == 1)
            case .heartbeatIntervalHalved: #expect(g.settings.heartbeatInterval == 0.25)
            case .phiDetectorOff: #expect(!g.settings.phiFailureDetector)
            case .hardTimeoutDoubled: #expect(g.settings.hardTimeout == 10)
            case .recoverWaitZero: #expect(g.settings.recoverWait == 0)
            case .recoverWaitDoubled: #expect(g.settings.recoverWait == 4)
            case .standbyIgnored: #expect(g.servers.map(\.node.standby) == [false, false])
            case .weightsIgnored: #expect(g.servers.map(\.node.weight) == [60, 60])
            case .acksIgnored: #expect(!g.settings.requireAckResponse)
            case .ackTimeoutDoubled: #expect(g.settings.ackResponseTimeout == 6)
            case .noResendAfterAckFailure: #expect(g.settings.dropChunksOnAckFailure && !f.settings.dropChunksOnAckFailure)
            case .dnsCacheNeverExpires: #expect(g.settings.expireDNSCache == nil && f.settings.expireDNSCache == 10)
            case .dnsCacheAlwaysExpires: #expect(g.settings.expireDNSCache == 0)
            case .keepaliveOff: #expect(!g.keepalive && f.keepalive)
            case .securityRemoved: #expect(g.security == nil && f.security != nil)
            case .secondaryIgnored: #expect(g.secondary == nil && f.secondary != nil)
            case .flushIntervalQuadrupled: #expect(g.buffer.flushInterval == 2)
            case .forceFlushIgnored: #expect(g.settings.ignoreForceFlush && !f.settings.ignoreForceFlush)
            }
            // Nothing else moved: undoing the one field gives the original back.
            var undone = g
            undone.settings = f.settings
            undone.servers = f.servers
            undone.secondary = f.secondary
            undone.buffer = f.buffer
            undone.keepalive = f.keepalive
            undone.security = f.security
            #expect(undone == f, "\(m.rawValue) touched only its own field")
        }
    }

    @Test func mutantsWithNothingToBreakAreEquivalent() throws {
        let plain = try AgentConfiguration.parse(text: """
            <match **>
              @type forward
              <server>
                host 127.0.0.1
                port 24224
              </server>
            </match>
            """)
        let equivalent = AgentMutant.allCases.filter { !$0.changes(plain) }.map(\.rawValue)
        #expect(equivalent == ["standby_ignored", "weights_ignored", "acks_ignored", "ack_response_timeout_x2",
                               "no_resend_after_ack_failure", "dns_cache_never_expires", "keepalive_off", "security_removed",
                               "secondary_ignored"])
    }
}
