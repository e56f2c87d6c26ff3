import NIOCore
import NIOSSL

/// out_forward's TLS client options (§10.3) and their mapping onto NIOSSL.
public struct TLSClientSettings: Sendable, Equatable {
    /// `tls_version` names (min = max = this unless `minVersion`/`maxVersion` are given).
    public enum Version: String, Sendable, Equatable {
        case tls1_1 = "TLSv1_1", tls1_2 = "TLSv1_2", tls1_3 = "TLSv1_3"

        /// Accepts Fluentd's spellings (`TLSv1_2`, `TLS1_2`).
        public init?(fluentdName: String) {
            switch fluentdName {
            case "TLSv1_1", "TLS1_1": self = .tls1_1
            case "TLSv1_2", "TLS1_2": self = .tls1_2
            case "TLSv1_3", "TLS1_3": self = .tls1_3
            default: return nil
            }
        }

        var nio: TLSVersion {
            switch self {
            case .tls1_1: .tlsv11
            case .tls1_2: .tlsv12
            case .tls1_3: .tlsv13
            }
        }
    }

    public static let defaultCiphers = "ALL:!aNULL:!eNULL:!SSLv2"

    public var version: Version = .tls1_2
    public var minVersion: Version? = nil
    public var maxVersion: Version? = nil
    public var ciphers: String = TLSClientSettings.defaultCiphers
    public var insecureMode = false
    public var allowSelfSignedCert = false
    public var verifyHostname = true
    /// `tls_ca_cert_path` files (PEM), added to the system store.
    public var caCertPaths: [String] = []
    public var clientCertPath: String? = nil
    public var clientPrivateKeyPath: String? = nil
    public var clientPrivateKeyPassphrase: String? = nil

    public init() {}

    /// The NIOSSL configuration these options describe.
    public func makeConfiguration() throws -> TLSConfiguration {
        var c = TLSConfiguration.makeClientConfiguration()
        c.minimumTLSVersion = (minVersion ?? version).nio
        c.maximumTLSVersion = (maxVersion ?? version).nio
        // BoringSSL rejects OpenSSL-only aliases such as `!SSLv2`; Fluentd's default list means "everything
        // with authentication and encryption", which is BoringSSL's default too, so only custom lists are applied.
        if ciphers != Self.defaultCiphers && !insecureMode { c.cipherSuites = ciphers }
        if insecureMode {
            c.certificateVerification = .none
        } else {
            c.certificateVerification = verifyHostname ? .fullVerification : .noHostnameVerification
            if !caCertPaths.isEmpty {
                c.additionalTrustRoots = caCertPaths.map { .file($0) }
            }
        }
        if let certPath = clientCertPath {
            let chain = try NIOSSLCertificate.fromPEMFile(certPath)
            c.certificateChain = chain.map { .certificate($0) }
        }
        if let keyPath = clientPrivateKeyPath {
            if let pass = clientPrivateKeyPassphrase {
                let bytes = Array(pass.utf8)
                let key = try NIOSSLPrivateKey(file: keyPath, format: .pem) { (setter: ([UInt8]) -> Void) in setter(bytes) }
                c.privateKey = .privateKey(key)
            } else {
                c.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
            }
        }
        return c
    }

    /// The SNI / verification name for a node (§7 last bullet): host unless it is an IP literal, else the
    /// server `name`, else none.
    public static func serverName(host: String, name: String?) -> String? {
        if !isIPLiteral(host) { return host }
        if let name, !name.isEmpty, !isIPLiteral(name) { return name }
        return nil
    }

    static func isIPLiteral(_ s: String) -> Bool {
        (try? SocketAddress(ipAddress: s, port: 0)) != nil
    }
}
