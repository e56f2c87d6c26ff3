import Agent
import FluentdConfig
import ForwardProtocol
import Testing

/// `<system> fwdlab_fluentd_version` and what it changes in the agent's configuration (docs/fluentd-model.md,
/// "Release profiles").
@Suite("Release profiles in the configuration")
struct ReleaseProfileConfigTests {
    static func system(_ version: String) -> String { "<system>\n  fwdlab_fluentd_version \(version)\n</system>\n" }

    @Test func defaultIsOneSixteen() throws {
        let c = try parseConfig(forwardMatch())
        #expect(c.system.fluentdVersion == .v1_16)
        let setting = try #require(c.effectiveSettings.first { $0.name == "fwdlab_fluentd_version" })
        #expect(setting.value == "1.16" && setting.isDefault)
        #expect(try parseConfig(Self.system("1.19") + forwardMatch()).system.fluentdVersion == .v1_19)
        expectConfigError(Self.system("1.17"), line: 2, "unknown Fluentd version '1.17': valid options are 1.16,1.18,1.19")
    }

    /// Fluentd 1.16.9 and 1.18.0 refuse `compress zstd` with `valid options are text,gzip but got zstd` (both run
    /// with this setting, 2026-12-07); 1.19 accepts it.
    @Test func compressZstdNeedsOneNineteen() throws {
        for version in ["", Self.system("1.16"), Self.system("1.18")] {
            let lines = version.split(separator: "\n").count
            expectConfigError(version + forwardMatch("  compress zstd"), line: lines + 3, "valid options are text,gzip but got zstd")
            expectConfigError(version + forwardMatch("  <buffer>\n    compress zstd\n  </buffer>"), line: lines + 4,
                              "valid options are text,gzip but got zstd")
        }
        let c = try parseConfig(Self.system("1.19") + forwardMatch("  compress zstd"))
        #expect(c.warnings.contains { $0.message.hasPrefix("zstd compression feature is an experimental new feature supported since v1.19.0.") })
        let f = try forwardOutput(Self.system("1.19") + forwardMatch("  compress zstd"))
        #expect(f.compress == .zstd)
        #expect(f.compression == .zstd)
        // As with gzip, a text buffer takes the output's codec.
        #expect(f.buffer.compress == .zstd)
        #expect(AgentRuntimeSettings(forward: f).compression == .zstd)
        #expect(AgentRuntimeSettings(forward: try forwardOutput(forwardMatch("  compress gzip"))).compression == .gzip)
        #expect(AgentRuntimeSettings(forward: try forwardOutput(forwardMatch())).compression == nil)
    }

    /// out_forward 1.19's configure: a compressed buffer must use the output's codec.
    @Test func differentBufferAndOutputCodecsAreAnError() throws {
        expectConfigError(Self.system("1.19") + forwardMatch("  compress zstd\n  <buffer>\n    compress gzip\n  </buffer>"), line: 6,
                          "You cannot specify different compression formats for Buffer (Buffer: gzip, Self: zstd)")
        let same = try forwardOutput(Self.system("1.19") + forwardMatch("  compress zstd\n  <buffer>\n    compress zstd\n  </buffer>"))
        #expect(same.buffer.compress == .zstd)
        // A zstd buffer with a text output is only a warning, as gzip's.
        let c = try parseConfig(Self.system("1.19") + forwardMatch("  <buffer>\n    compress zstd\n  </buffer>"))
        #expect(c.warnings.contains { $0.message.contains("buffer is compressed") && $0.message.contains("compress zstd") })
    }

    /// The command line's `--fluentd-version` reaches `<system>` through the parse options, with or without a
    /// `<system>` section, and replaces the file's value.
    @Test func commandLineOverride() throws {
        var options = ConfigParseOptions(environment: [:])
        options.systemParameters["fwdlab_fluentd_version"] = "1.19"
        let bare = try AgentConfiguration.parse(text: forwardMatch("  compress zstd"), file: "test.conf", options: options)
        #expect(bare.system.fluentdVersion == .v1_19)
        let replaced = try AgentConfiguration.parse(text: Self.system("1.16") + forwardMatch("  compress zstd"),
                                                    file: "test.conf", options: options)
        #expect(replaced.system.fluentdVersion == .v1_19)
        options.systemParameters["fwdlab_fluentd_version"] = "1.16"
        #expect(throws: ConfigError.self) {
            try AgentConfiguration.parse(text: Self.system("1.19") + forwardMatch("  compress zstd"), file: "test.conf", options: options)
        }
    }

    /// The `<security>` handshake wait: bounded by hard_timeout under 1.16 (the agent's default, 1.16.11's) and 1.19
    /// (1.19.2), unbounded under 1.18 (1.18.0 predates fluent/fluentd#5104; measured in fixtures/upgrades/security-handshake-hangs.yaml).
    @Test func handshakeWaitPerProfile() throws {
        for (version, expected) in [("1.16", RuntimeBehaviour.HandshakeTimeout.hardTimeout), ("1.18", .unbounded), ("1.19", .hardTimeout)] {
            let f = try forwardOutput(Self.system(version) + forwardMatch())
            #expect(f.profile.rawValue == version)
            #expect(AgentRuntimeSettings(forward: f).behaviour.handshakeTimeout == expected, "\(version)")
        }
        #expect(AgentRuntimeSettings(forward: try forwardOutput(forwardMatch())).behaviour.handshakeTimeout == .hardTimeout)
    }

    /// in_forward's `skip_invalid_event` defaults to true from 1.19.0 (fluent/fluentd#5003).
    @Test func forwardInputTakesTheProfile() throws {
        let source = "<source>\n  @type forward\n  port 0\n</source>\n"
        for (version, skip) in [("1.16", false), ("1.18", false), ("1.19", true)] {
            let c = try parseConfig(Self.system(version) + source + forwardMatch())
            guard case let .forward(f) = try #require(c.sources.first) else { Issue.record("not a forward source"); continue }
            #expect(f.profile.rawValue == version)
            let s = try ForwardInput.settings(for: f, logger: .init(label: "test"))
            #expect(s.profile.rawValue == version)
            #expect(s.skipInvalidEvent == skip, "\(version)")
            let setting = try #require(c.effectiveSettings.first { $0.name == "skip_invalid_event" })
            #expect(setting.value == String(skip))
        }
        let explicit = try parseConfig(Self.system("1.19") + "<source>\n  @type forward\n  port 0\n  skip_invalid_event false\n</source>\n" + forwardMatch())
        guard case let .forward(f) = try #require(explicit.sources.first) else { return }
        #expect(try ForwardInput.settings(for: f, logger: .init(label: "test")).skipInvalidEvent == false)
    }
}
