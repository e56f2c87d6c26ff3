import NIOCore
import NIOSSL

/// out_forward's TLS client options (docs/forward-protocol.md, "Client TLS") mapped onto NIOSSL: the runtime uses the config layer's type directly.
extension TLSClientConfig {
    /// The NIOSSL configuration these options describe.
    public func makeConfiguration() throws -> TLSConfiguration {
        var c = TLSConfiguration.makeClientConfiguration()
        // out_forward pins the connection to exactly `tls_version` (no min/max parameters on the client side).
        c.minimumTLSVersion = version.nio
        c.maximumTLSVersion = version.nio
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

    /// The SNI / verification name for a node (docs/forward-protocol.md, "TLS name"): host unless it is an IP literal, else the
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

extension TLSClientConfig.Version {
    var nio: TLSVersion {
        switch minor {
        case 1: .tlsv11
        case 3: .tlsv13
        default: .tlsv12
        }
    }
}
