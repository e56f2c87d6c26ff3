import ForwardServer
import Foundation
import Testing

@Suite("Receiver: --config (in_forward syntax)")
struct ReceiverConfigTests {
    @Test("Reads in_forward parameters, <security>, <client>, <user> and <transport tls>")
    func readsForwardSource() throws {
        let text = """
        <source>
          @type forward
          port 0
          bind 127.0.0.1
          chunk_size_limit 1m
          chunk_size_warn_limit 512k
          skip_invalid_event true
          deny_keepalive true
          add_tag_prefix relay
          linger_timeout 3
          <transport tls>
            insecure true
            min_version TLSv1_2
            max_version TLS1_3
          </transport>
          <security>
            self_hostname input.local
            shared_key s3cret
            user_auth true
            allow_anonymous_source false
            <user>
              username alice
              password pw
            </user>
            <client>
              network 127.0.0.0/8
              shared_key per-client
              users ["alice"]
            </client>
          </security>
        </source>
        """
        let s = try ReceiverConfigLoader.parse(text: text).settings
        #expect(s.port == 0 && s.bind == "127.0.0.1")
        #expect(s.chunkSizeLimit == 1 << 20 && s.chunkSizeWarnLimit == 512 << 10)
        #expect(s.skipInvalidEvent && s.denyKeepalive && s.addTagPrefix == "relay" && s.lingerTimeout == 3)
        #expect(s.tls?.insecure == true && s.tls?.minVersion == .tls1_2 && s.tls?.maxVersion == .tls1_3)
        let sec = try #require(s.security)
        #expect(sec.selfHostname == "input.local" && sec.userAuth && !sec.allowAnonymousSource)
        #expect(sec.users == [.init(username: "alice", password: "pw")])
        #expect(sec.client(for: "127.0.0.9")?.sharedKey == "per-client")
        #expect(sec.client(for: "10.0.0.1") == nil)
    }

    @Test("Unknown parameters and missing required ones are errors with a line number")
    func errors() throws {
        #expect(throws: (any Error).self) {
            _ = try ReceiverConfigLoader.parse(text: "<source>\n  @type forward\n  prot 24224\n</source>\n")
        }
        do {
            _ = try ReceiverConfigLoader.parse(text: "<source>\n  @type forward\n  <security>\n    shared_key k\n  </security>\n</source>\n")
            Issue.record("missing self_hostname accepted")
        } catch {
            #expect("\(error)".contains("self_hostname"))
        }
        #expect(throws: (any Error).self) {
            _ = try ReceiverConfigLoader.parse(text: "<source>\n  @type forward\n  <transport tls>\n  </transport>\n</source>\n")
        }
    }

    @Test("fwdlab_read_buffer_limit sets the largest read; outside 4k–64m it is an error naming the line")
    func readBufferLimit() throws {
        #expect(try ReceiverConfigLoader.parse(text: "<source>\n  @type forward\n</source>\n").settings.readBufferLimit == 1 << 20)
        let set = try ReceiverConfigLoader.parse(text: "<source>\n  @type forward\n  fwdlab_read_buffer_limit 256k\n</source>\n")
        #expect(set.settings.readBufferLimit == 256 * 1024)
        do {
            _ = try ReceiverConfigLoader.parse(text: "<source>\n  @type forward\n  fwdlab_read_buffer_limit 1k\n</source>\n")
            Issue.record("a 1 KB read limit was accepted")
        } catch {
            #expect("\(error)".contains("fwdlab_read_buffer_limit") && "\(error)".contains("3"), "\(error)")
        }
    }

    @Test("The shared fixture forward_in_secure.conf loads")
    func fixture() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/configs/syntax/forward_in_secure.conf")
        let loaded = try ReceiverConfigLoader.load(path: url.path)
        #expect(loaded.settings.security?.users.count == 2)
        #expect(loaded.settings.security?.clients.count == 2)
        #expect(loaded.settings.tls?.certPath == "/etc/fluent/server.crt")
        #expect(loaded.notes.contains { $0.contains("source_hostname_key") })
    }
}
