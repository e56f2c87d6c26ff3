/// in_forward's `<transport tls>` options (docs/forward-protocol.md, "Server TLS").
public struct ReceiverTLSSettings: Sendable {
    /// Protocol versions, spelled as Fluentd does (`TLSv1_2`, `TLS1_3`, ...).
    public enum Version: String, Sendable, CaseIterable {
        case tls1_1 = "TLSv1_1", tls1_2 = "TLSv1_2", tls1_3 = "TLSv1_3"

        /// Parses Fluentd's accepted spellings (`TLSv1_2` or `TLS1_2`).
        public init?(fluentd text: String) {
            switch text {
            case "TLSv1_1", "TLS1_1": self = .tls1_1
            case "TLSv1_2", "TLS1_2": self = .tls1_2
            case "TLSv1_3", "TLS1_3": self = .tls1_3
            default: return nil
            }
        }
    }

    /// With no min/max, both are set to this: TLS 1.2 only by default.
    public var version: Version
    /// Must be given together with `maxVersion`.
    public var minVersion: Version?
    public var maxVersion: Version?
    /// OpenSSL cipher string (TLS ≤ 1.2); not applied in insecure mode.
    public var ciphers: String
    /// Skip the default context parameters; generate a self-signed certificate when none is configured.
    public var insecure: Bool
    /// CA file used to verify client certificates.
    public var caPath: String?
    /// Server certificate chain (leaf first) and key.
    public var certPath: String?
    public var privateKeyPath: String?
    public var privateKeyPassphrase: String?
    /// Require and verify a client certificate.
    public var clientCertAuth: Bool
    /// Generate the server certificate at start, signed by this CA.
    public var caCertPath: String?
    public var caPrivateKeyPath: String?
    public var caPrivateKeyPassphrase: String?
    /// Subject of generated certificates (Fluentd's generate_cert_* options).
    public var generateCertCountry: String
    public var generateCertState: String
    public var generateCertLocality: String
    /// nil: the local host name.
    public var generateCertCommonName: String?
    /// Seconds from now until a generated certificate expires (default 10 years).
    public var generateCertExpiration: Double

    public static let defaultCiphers = "ALL:!aNULL:!eNULL:!SSLv2"

    public init(version: Version = .tls1_2, minVersion: Version? = nil, maxVersion: Version? = nil,
                ciphers: String = ReceiverTLSSettings.defaultCiphers, insecure: Bool = false,
                caPath: String? = nil, certPath: String? = nil, privateKeyPath: String? = nil,
                privateKeyPassphrase: String? = nil, clientCertAuth: Bool = false,
                caCertPath: String? = nil, caPrivateKeyPath: String? = nil, caPrivateKeyPassphrase: String? = nil) {
        self.version = version
        self.minVersion = minVersion
        self.maxVersion = maxVersion
        self.ciphers = ciphers
        self.insecure = insecure
        self.caPath = caPath
        self.certPath = certPath
        self.privateKeyPath = privateKeyPath
        self.privateKeyPassphrase = privateKeyPassphrase
        self.clientCertAuth = clientCertAuth
        self.caCertPath = caCertPath
        self.caPrivateKeyPath = caPrivateKeyPath
        self.caPrivateKeyPassphrase = caPrivateKeyPassphrase
        generateCertCountry = "US"
        generateCertState = "CA"
        generateCertLocality = "Mountain View"
        generateCertCommonName = nil
        generateCertExpiration = 315_360_000
    }

    /// The configure-time checks (docs/forward-protocol.md, "Server TLS").
    public func validate() throws {
        if (minVersion == nil) != (maxVersion == nil) {
            throw ReceiverError.configuration("both of min_version and max_version are required")
        }
        if certPath != nil && privateKeyPath == nil {
            throw ReceiverError.configuration("private_key_path is required when cert_path is specified")
        }
        if caCertPath != nil && caPrivateKeyPath == nil {
            throw ReceiverError.configuration("ca_private_key_path is required when ca_cert_path is specified")
        }
        if certPath == nil && caCertPath == nil && !insecure {
            throw ReceiverError.configuration(
                "no valid cert options configured. specify either 'cert_path', 'ca_cert_path' or 'insecure'")
        }
    }
}
