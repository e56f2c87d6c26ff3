import Foundation
import ForwardProtocol
import Logging
import NIOSSL

/// Builds the server's NIOSSLContext from `<transport tls>` options (docs/forward-protocol.md, "Server TLS"), generating the
/// certificate at start when none is configured.
enum ReceiverTLSContextFactory {
    static func makeContext(_ tls: ReceiverTLSSettings, profile: FluentdReleaseProfile = .default, logger: Logger) throws -> NIOSSLContext {
        try tls.validate()
        let chain: [NIOSSLCertificateSource]
        let key: NIOSSLPrivateKeySource
        do {
            // Certificate source precedence: cert_path > ca_cert_path > insecure (docs/forward-protocol.md, "Server TLS").
            if let certPath = tls.certPath, let keyPath = tls.privateKeyPath {
                chain = try NIOSSLCertificate.fromPEMFile(certPath).map { .certificate($0) }
                if let passphrase = tls.privateKeyPassphrase {
                    key = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem) { setter in
                        setter(Array(passphrase.utf8))
                    })
                } else {
                    logger.warning("private key passphrase is not set; the private key file should not be shared")
                    key = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
                }
            } else if let caCert = tls.caCertPath, let caKey = tls.caPrivateKeyPath {
                if tls.caPrivateKeyPassphrase != nil {
                    throw ReceiverError.tls("encrypted CA keys are not supported for certificate generation (use an unencrypted P-256 key)")
                }
                let ca = try TestCertificateAuthority(
                    certificatePEM: String(contentsOfFile: caCert, encoding: .utf8),
                    privateKeyPEM: String(contentsOfFile: caKey, encoding: .utf8))
                let leaf = try ca.issueFluentdStyleServer(
                    commonName: tls.generateCertCommonName ?? localHostname(), country: tls.generateCertCountry,
                    state: tls.generateCertState, locality: tls.generateCertLocality, lifetime: tls.generateCertExpiration)
                chain = try leaf.nioCertificateChain().map { .certificate($0) }
                key = .privateKey(try leaf.nioPrivateKey())
            } else {
                let leaf = try TestCertificateAuthority.selfSignedServer(
                    commonName: tls.generateCertCommonName ?? localHostname(), country: tls.generateCertCountry,
                    state: tls.generateCertState, locality: tls.generateCertLocality, lifetime: tls.generateCertExpiration)
                chain = try leaf.nioCertificateChain().map { .certificate($0) }
                key = .privateKey(try leaf.nioPrivateKey())
            }
        } catch let e as ReceiverError {
            throw e
        } catch {
            throw ReceiverError.tls("cannot load or generate the server certificate: \(error)")
        }
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: key)
        let minimum = tls.minVersion ?? tls.version
        let maximum = tls.maxVersion ?? tls.version
        config.minimumTLSVersion = nioVersion(minimum)
        config.maximumTLSVersion = nioVersion(maximum)
        if !tls.insecure { config.cipherSuites = tls.ciphers }
        if tls.clientCertAuth {
            config.certificateVerification = .noHostnameVerification
            config.trustRoots = tls.caPath.map { .file($0) } ?? .default
        } else if profile.verifiesPresentedClientCertificates && !tls.insecure {
            // 1.16 asks for a client certificate and fails the handshake on one that does not verify, but accepts a
            // client without one (docs/fluentd-model.md, "Release profiles").
            config.certificateVerification = .optionalVerification
            config.trustRoots = tls.caPath.map { .file($0) } ?? .default
        } else {
            config.certificateVerification = .none
        }
        do {
            return try NIOSSLContext(configuration: config)
        } catch {
            throw ReceiverError.tls("cannot create the TLS context: \(error)")
        }
    }

    static func nioVersion(_ v: ReceiverTLSSettings.Version) -> TLSVersion {
        switch v {
        case .tls1_1: return .tlsv11
        case .tls1_2: return .tlsv12
        case .tls1_3: return .tlsv13
        }
    }

    static func localHostname() -> String {
        ProcessInfo.processInfo.hostName
    }
}
