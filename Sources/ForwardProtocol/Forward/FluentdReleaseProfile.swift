/// The Fluentd release line whose behaviour ForwardLab reproduces where releases differ (docs/fluentd-model.md,
/// "Release profiles"). Code asks the profile a behaviour question (`acceptsZstd`) instead of comparing versions.
public enum FluentdReleaseProfile: String, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    /// Fluentd 1.16 (measured on 1.16.9): the default, today's behaviour.
    case v1_16 = "1.16"
    /// Fluentd 1.18 (measured on 1.18.0).
    case v1_18 = "1.18"
    /// Fluentd 1.19 (read from the v1.19.x source; no 1.19 runs on Debian 12's Ruby).
    case v1_19 = "1.19"

    /// The profile used when none is named.
    public static let `default` = FluentdReleaseProfile.v1_16

    /// The names accepted by `fwdlab_fluentd_version`, `--fluentd-version` and `fluentd_version:`.
    public static let names = allCases.map(\.rawValue)

    /// Reads `1.16`, `1.18` or `1.19`; nil for anything else.
    public init?(name: String) {
        self.init(rawValue: name.hasPrefix("v") ? String(name.dropFirst()) : name)
    }

    /// The profile of a release's line: `1.16.9` and `1.16.11` are `1.16`, `1.19.3` is `1.19`; nil for another line.
    public init?(release: String) {
        let parts = (release.hasPrefix("v") ? String(release.dropFirst()) : release).split(separator: ".")
        guard parts.count >= 2 else { return nil }
        self.init(rawValue: "\(parts[0]).\(parts[1])")
    }

    public var description: String { rawValue }

    /// The error text for a name that is not a profile.
    public static func invalidNameMessage(_ name: String) -> String {
        "unknown Fluentd version '\(name)': valid options are \(names.joined(separator: ","))"
    }

    // MARK: out_forward

    /// Whether out_forward's and `<buffer>`'s `compress` accept `zstd` (added in 1.19.0).
    public var acceptsZstd: Bool { self == .v1_19 }

    /// Whether out_forward gives up waiting for the `<security>` HELO/PONG after `hard_timeout` (fluent/fluentd#5104:
    /// 1.16.11 and 1.19.2). 1.18.0 waits without a bound, as 1.16.9 did; the 1.16 profile keeps the agent's bounded
    /// default (1.16.11's).
    public var boundsHandshakeByHardTimeout: Bool { self != .v1_18 }

    /// The values out_forward's `compress` accepts, in Fluentd's order.
    public var forwardCompressValues: [String] { acceptsZstd ? ["text", "gzip", "zstd"] : ["text", "gzip"] }

    // MARK: in_forward

    /// The codec in_forward applies to a PackedForward blob whose option says `compressed: value` (nil: the blob is
    /// read as plain entries). 1.16 and 1.18 decompress only `gzip`; 1.19 takes every value but `text` as a codec name.
    public func compression(forOption value: String?) -> ForwardCompression? {
        guard let value else { return nil }
        if acceptsZstd { return value == "text" ? nil : ForwardCompression(optionValue: value) }
        return value == "gzip" ? .gzip : nil
    }

    /// Whether in_forward over TLS without `client_cert_auth` still asks for a client certificate and rejects one that
    /// does not verify (a client without one is accepted). 1.16: the server helper leaves Ruby's default SSL parameters
    /// in place unless `insecure`, and they verify the peer; 1.18.0 sets no verification (fluent/fluentd#4718).
    public var verifiesPresentedClientCertificates: Bool { self == .v1_16 }

    /// in_forward's `skip_invalid_event` default (true since 1.19.0).
    public var skipInvalidEventDefault: Bool { self == .v1_19 }
}
