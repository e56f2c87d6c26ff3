import Foundation
import FluentdConfig

/// out_forward's TLS client options (`transport tls`; docs/forward-protocol.md, "Client TLS"), read from the `<match>` section itself.
public struct TLSClientConfig: Sendable, Equatable {
    /// `tls_version` spellings Fluentd accepts; both spellings of a version mean the same protocol.
    public enum Version: String, Sendable, Equatable, CaseIterable {
        case tlsv1_1 = "TLSv1_1", tlsv1_2 = "TLSv1_2", tlsv1_3 = "TLSv1_3"
        case tls1_1 = "TLS1_1", tls1_2 = "TLS1_2", tls1_3 = "TLS1_3"

        /// The minor version: 1, 2 or 3 (TLS 1.x).
        public var minor: Int {
            switch self {
            case .tlsv1_1, .tls1_1: 1
            case .tlsv1_2, .tls1_2: 2
            case .tlsv1_3, .tls1_3: 3
            }
        }
    }

    /// Fluentd's default cipher list (OpenSSL syntax).
    public static let defaultCiphers = "ALL:!aNULL:!eNULL:!SSLv2"

    /// `tls_version`: with no min/max in out_forward, the connection is pinned to exactly this version.
    public var version: Version = .tlsv1_2
    public var ciphers: String = TLSClientConfig.defaultCiphers
    public var insecureMode = false
    /// Effective value (`tls_insecure_mode` forces true).
    public var allowSelfSignedCert = false
    /// Effective value (`tls_insecure_mode` forces false).
    public var verifyHostname = true
    /// `tls_ca_cert_path` (or the deprecated `tls_cert_path`, which replaces it): extra trusted CA files.
    public var caCertPaths: [String] = []
    public var clientCertPath: String? = nil
    public var clientPrivateKeyPath: String? = nil
    public var clientPrivateKeyPassphrase: String? = nil

    public init() {}

    /// Parameters that only exist on Windows; setting them elsewhere is a ConfigError (as in Fluentd).
    static let windowsOnly = ["tls_cert_thumbprint", "tls_cert_logical_store_name", "tls_cert_use_enterprise_store"]

    /// Reads the `tls_*` parameters of an out_forward section; validates them only when `isTLS`.
    static func parse(_ r: inout SectionReader, isTLS: Bool) throws -> TLSClientConfig {
        var c = TLSClientConfig()
        c.version = try r.value("tls_version", .enumeration(Version.allCases.map(\.rawValue)), default: .tlsv1_2) { $0.rawValue } map: {
            Version(rawValue: $0)!
        }
        c.ciphers = try r.string("tls_ciphers", default: defaultCiphers)
        c.insecureMode = try r.bool("tls_insecure_mode", default: false)
        c.allowSelfSignedCert = try r.bool("tls_allow_self_signed_cert", default: false)
        c.verifyHostname = try r.bool("tls_verify_hostname", default: true)
        let ca = try r.optionalArray("tls_ca_cert_path")
        let legacy = try r.optionalArray("tls_cert_path", note: "deprecated alias of tls_ca_cert_path")
        c.caCertPaths = ca ?? []
        if let legacy, !legacy.isEmpty {
            // of.rb: a non-empty tls_cert_path replaces tls_ca_cert_path.
            c.caCertPaths = legacy
            if let p = r.written(["tls_cert_path"]) {
                r.warn("'tls_cert_path' is deprecated; use 'tls_ca_cert_path' (it replaces tls_ca_cert_path when both are set) (\(r.context))", at: p.location)
            }
        }
        c.clientCertPath = try r.optionalString("tls_client_cert_path")
        c.clientPrivateKeyPath = try r.optionalString("tls_client_private_key_path")
        c.clientPrivateKeyPassphrase = try r.optionalString("tls_client_private_key_passphrase", secret: true)
        for name in windowsOnly {
            r.raw.ignore(name)
            if let p = r.written([name]) {
                throw ConfigError("This parameter is for only Windows: '\(name)' (\(r.context))", at: p.location)
            }
        }

        let tlsNames = ["tls_version", "tls_ciphers", "tls_insecure_mode", "tls_allow_self_signed_cert", "tls_verify_hostname",
                        "tls_ca_cert_path", "tls_cert_path", "tls_client_cert_path", "tls_client_private_key_path",
                        "tls_client_private_key_passphrase"]
        guard isTLS else {
            if let p = r.written(tlsNames) {
                r.warn("TLS parameters such as '\(p.name)' have no effect unless 'transport tls' (\(r.context))", at: p.location)
            }
            return c
        }
        for path in c.caCertPaths {
            let where_ = r.written(["tls_cert_path", "tls_ca_cert_path"])?.location
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigError("specified cert path does not exist:\(path) (\(r.context))", at: where_)
            }
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ConfigError("specified cert path is not readable:\(path) (\(r.context))", at: where_)
            }
        }
        if (c.clientCertPath == nil) != (c.clientPrivateKeyPath == nil) {
            let p = r.written(["tls_client_cert_path", "tls_client_private_key_path"])
            throw ConfigError("'tls_client_cert_path' and 'tls_client_private_key_path' must be set together (\(r.context))", at: p?.location)
        }
        if c.insecureMode {
            r.warn("TLS transport is configured in insecure way: no certificate or hostname verification (\(r.context))",
                   at: r.written(["tls_insecure_mode"])?.location)
            c.verifyHostname = false
            c.allowSelfSignedCert = true
            r.record("tls_verify_hostname (effective)", "false", isDefault: true, note: "forced by tls_insecure_mode")
            r.record("tls_allow_self_signed_cert (effective)", "true", isDefault: true, note: "forced by tls_insecure_mode")
        }
        return c
    }
}
