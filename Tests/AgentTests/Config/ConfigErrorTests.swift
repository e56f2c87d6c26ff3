import Agent
import FluentdConfig
import Testing

/// Every configuration error carries file:line (`test.conf:N: message`).
@Suite("Configuration errors")
struct ConfigErrorTests {
    @Test func unknownParameterWithSuggestion() {
        expectConfigError(forwardMatch("  heartbeat_intervall 2"), line: 3, "unknown parameter 'heartbeat_intervall'")
        expectConfigError(forwardMatch("  heartbeat_intervall 2"), line: 3, "did you mean 'heartbeat_interval'")
        expectConfigError(forwardMatch("  heartbeat_intervall 2"), line: 3, "<match test.**>")
    }

    @Test func unknownParameterInServerAndBuffer() {
        expectConfigError(forwardMatch("  <server>\n    host a\n    prot 1\n  </server>"), line: 5, "unknown parameter 'prot'")
        expectConfigError(forwardMatch("  <buffer>\n    flush_intrval 1\n  </buffer>"), line: 4, "unknown parameter 'flush_intrval'")
        expectConfigError("<system>\n  rpc_endpont 1.2.3.4:5\n</system>", line: 2, "unknown parameter 'rpc_endpont'")
        expectConfigError("<source>\n  @type forward\n  prot 1\n</source>", line: 3, "unknown parameter 'prot'")
        expectConfigError("<source>\n  @type sample\n  tag a\n  rat 1\n</source>", line: 4, "unknown parameter 'rat'")
    }

    @Test func unknownSections() {
        expectConfigError(forwardMatch("  <serverr>\n    host a\n  </serverr>"), line: 3, "unknown section <serverr>")
        expectConfigError("<sytem>\n</sytem>", line: 1, "unknown section <sytem>")
        expectConfigError("<filter **>\n  @type stdout\n</filter>", line: 2, "filter plugin 'stdout' is not supported by the ForwardLab agent")
        expectConfigError(forwardMatch("  <service_discovery>\n    @type consul\n  </service_discovery>"), line: 4, "Unknown sd plugin 'consul'")
    }

    @Test func unknownPluginTypes() {
        expectConfigError("<match **>\n  @type kafka\n</match>", line: 2, "unknown output plugin type 'kafka'")
        expectConfigError("<source>\n  @type http\n</source>", line: 2, "unknown input plugin type 'http'")
        expectConfigError("<match **>\n</match>", line: 1, "Missing '@type'")
        expectConfigError("<source>\n</source>", line: 1, "Missing '@type'")
    }

    @Test func badValues() {
        expectConfigError(forwardMatch("  heartbeat_type carrier-pigeon"), line: 3, "heartbeat_type")
        expectConfigError(forwardMatch("  heartbeat_interval soon"), line: 3, "heartbeat_interval")
        expectConfigError(forwardMatch("  phi_threshold 1.5"), line: 3, "phi_threshold")
        expectConfigError(forwardMatch("  require_ack_response maybe"), line: 3, "invalid bool")
        expectConfigError(forwardMatch("  compress zstd"), line: 3, "compress")
        expectConfigError(forwardMatch("  <server>\n    host a\n    port 70000\n  </server>"), line: 5, "out of range")
        expectConfigError(forwardMatch("  <buffer>\n    overflow_action explode\n  </buffer>"), line: 4, "overflow_action")
        expectConfigError(forwardMatch("  <buffer>\n    chunk_limit_size lots\n  </buffer>"), line: 4, "chunk_limit_size")
        expectConfigError(forwardMatch("  detector psychic"), line: 3, "detector")
        expectConfigError("<source>\n  @type sample\n  tag a\n  sample [1,2]\n</source>", line: 4, "is not a hash")
        expectConfigError("<source>\n  @type sample\n  tag a\n  sample nope\n</source>", line: 4, "sample")
    }

    @Test func outForwardRules() {
        // of.rb: ack_response_timeout must be ≥ 1; dns_round_robin not with udp; at least one server.
        expectConfigError(forwardMatch("  ack_response_timeout 0.5"), line: 3, "ack_response_timeout must be a positive integer")
        expectConfigError(forwardMatch("  heartbeat_type udp\n  dns_round_robin true"), line: 4,
                          "heartbeat type must be 'transport' or 'none' to use dns_round_robin")
        expectConfigError("<match **>\n  @type forward\n</match>", line: 1, "requires at least one node")
        // Obsolete top-level host/port point to <server>.
        expectConfigError("<match **>\n  @type forward\n  host 1.2.3.4\n</match>", line: 3, "Use <server> section instead")
        expectConfigError("<match **>\n  @type forward\n  port 24224\n</match>", line: 3, "Use <server> section instead")
        expectConfigError(forwardMatch("  <server>\n    port 1\n  </server>"), line: 3, "'host' parameter is required")
        expectConfigError(forwardMatch("  <security>\n    self_hostname a\n  </security>"), line: 3, "'shared_key' parameter is required")
        expectConfigError(forwardMatch("  detector_max_sample_size 5"), line: 3, "only applies to 'detector normal'")
    }

    @Test func bufferRules() {
        expectConfigError(forwardMatch("  <buffer time>\n    timekey 60\n  </buffer>"), line: 3, "buffer chunk key must include 'tag' for forward output")
        expectConfigError(forwardMatch("  <buffer tag,time>\n  </buffer>"), line: 3, "timekey is not configured")
        expectConfigError(forwardMatch("  <buffer>\n    @type file\n  </buffer>"), line: 3, "buffer path is not configured")
        expectConfigError(forwardMatch("  <buffer>\n    @type disk\n  </buffer>"), line: 4, "@type")
        expectConfigError(forwardMatch("  <buffer>\n    flush_mode immediate\n    flush_interval 1\n  </buffer>"), line: 5,
                          "'flush_interval' can't be specified when 'flush_mode' is not 'interval'")
        expectConfigError(forwardMatch("  <buffer tag,b@d!>\n  </buffer>"), line: 3, "invalid char")
        expectConfigError(forwardMatch("  <buffer>\n  </buffer>\n  <buffer>\n  </buffer>"), line: 5, "cannot be written twice")
    }

    @Test func secondaryRules() {
        expectConfigError(forwardMatch("  <secondary>\n    @type file\n  </secondary>"), line: 3, "'path' parameter is required")
        expectConfigError(forwardMatch("  <secondary>\n    @type secondary_file\n    directory /tmp\n    <buffer>\n    </buffer>\n  </secondary>"), line: 6,
                          "<secondary> section cannot have <buffer> section")
        expectConfigError(forwardMatch("  <secondary>\n    @type secondary_file\n    directory /tmp\n    basename a/b\n  </secondary>"), line: 6,
                          "basename should not include")
        expectConfigError("<match **>\n  @type secondary_file\n  directory /tmp\n</match>", line: 1, "can only be used in the <secondary> section")
        expectConfigError(forwardMatch("  <secondary>\n    @type s3\n  </secondary>"), line: 4, "unknown output plugin type 's3'")
    }

    @Test func tlsRules() {
        expectConfigError(forwardMatch("  transport tls\n  tls_cert_thumbprint abc"), line: 4, "only Windows")
        expectConfigError(forwardMatch("  tls_cert_logical_store_name My"), line: 3, "only Windows")
        expectConfigError(forwardMatch("  transport tls\n  tls_ca_cert_path /nonexistent/ca.pem"), line: 4, "specified cert path does not exist:/nonexistent/ca.pem")
        expectConfigError(forwardMatch("  transport tls\n  tls_version SSLv3"), line: 4, "tls_version")
        expectConfigError(forwardMatch("  transport tls\n  tls_client_cert_path /tmp/c.pem"), line: 4, "must be set together")
        expectConfigError(forwardMatch("  tls_min_version TLSv1_2"), line: 3, "unknown parameter 'tls_min_version'")
    }

    @Test func systemRules() {
        expectConfigError("<system>\n  rpc_endpoint localhost\n</system>", line: 2, "Invalid rpc_endpoint: localhost")
        expectConfigError("<system>\n  rpc_endpoint http://x:1\n</system>", line: 2, "Invalid rpc_endpoint")
        expectConfigError("<system>\n  workers 0\n</system>", line: 2, "workers must be 1 or more")
        expectConfigError("<system>\n  log_level loud\n</system>", line: 2, "log_level")
        expectConfigError("<system>\n  dns_resolver not/valid\n</system>", line: 2, "invalid dns_resolver")
        expectConfigError("<system>\n</system>\n<system>\n</system>", line: 3, "<system> section cannot be written twice")
        expectConfigError("<worker 1>\n</worker>", line: 1, "worker id 1 specified by <worker> directive is not allowed")
    }

    @Test func legacyRules() {
        expectConfigError(forwardMatch("  buffer_type memory\n  <buffer>\n  </buffer>"), line: 3, "is not converted because a <buffer> section exists")
        expectConfigError(forwardMatch("  time_slice_format %Y"), line: 3, "time_slice_format only with %Y or %m is too long")
        // Fluentd-exact: time_slice_format makes the chunk key `time` only, which out_forward rejects.
        expectConfigError(forwardMatch("  time_slice_format %Y%m%d%H"), line: 3, "buffer chunk key must include 'tag'")
    }

    @Test func routingRules() {
        expectConfigError("<source>\n  @type sample\n  tag a\n  @label @NOPE\n</source>", line: 1, "unknown label @NOPE")
        expectConfigError("<match a{b>\n  @type null\n</match>", line: 1, "invalid match pattern")
        expectConfigError("<match /(/>\n  @type null\n</match>", line: 1, "invalid match pattern")
        expectConfigError("<label OUT>\n</label>", line: 1, "label name must start with '@'")
        expectConfigError("<source>\n  @type forward\n  <transport udp>\n  </transport>\n</source>", line: 3, "unsupported transport")
        expectConfigError("<source>\n  @type forward\n  <transport tls>\n  </transport>\n</source>", line: 3, "no valid cert options")
        expectConfigError("<source>\n  @type forward\n  <security>\n    self_hostname a\n    shared_key b\n    user_auth true\n  </security>\n</source>",
                          line: 3, "<user> sections required")
    }

    @Test func includedFileErrorsPointAtTheIncludedFile() throws {
        let dir = FileManagerTemp.make()
        try "<match **>\n  @type forward\n  <server>\n    host a\n    weigth 1\n  </server>\n</match>\n".write(toFile: dir + "/inc.conf", atomically: true, encoding: .utf8)
        try "@include inc.conf\n".write(toFile: dir + "/main.conf", atomically: true, encoding: .utf8)
        do {
            _ = try AgentConfiguration.load(path: dir + "/main.conf", options: ConfigParseOptions(environment: [:]))
            Issue.record("expected an error")
        } catch let e as ConfigError {
            #expect(e.file.hasSuffix("inc.conf"))
            #expect(e.line == 5)
            #expect(e.message.contains("did you mean 'weight'"))
        }
    }
}

import Foundation

/// A fresh temporary directory per call.
enum FileManagerTemp {
    static func make() -> String {
        let path = NSTemporaryDirectory() + "fwdlab-config-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
