import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// A throwaway PKI for tests and fault scenarios: a CA that issues server, client, expired and
/// wrong-hostname certificates (P-256), with PEM output and NIOSSL conversions.
public struct TestCertificateAuthority: Sendable {
    /// The CA's own certificate and key.
    public let root: TestCertificate

    /// A new self-signed CA valid from an hour ago for ten years.
    public init(commonName: String = "ForwardLab Test CA") throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName); OrganizationName("ForwardLab") }
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(315_360_000),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        root = TestCertificate(certificate: cert, privateKey: key, chain: [])
    }

    /// Uses an existing CA certificate and key (e.g. Fluentd's `ca_cert_path` / `ca_private_key_path`).
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let cert = try Certificate(pemEncoded: certificatePEM)
        let key = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        root = TestCertificate(certificate: cert, privateKey: key, chain: [])
    }

    /// What a certificate is for.
    public enum Usage: Sendable { case server, client, both }

    /// Issues a leaf certificate. Names that parse as IP addresses go into the SAN as IPs.
    /// `validFrom`/`validUntil` default to an hour ago / a year ahead; pass past dates for an expired one.
    public func issue(commonName: String, subjectAltNames: [String]? = nil, usage: Usage = .server,
                      validFrom: Date? = nil, validUntil: Date? = nil) throws -> TestCertificate {
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let names = subjectAltNames ?? [commonName]
        let san = SubjectAlternativeNames(names.map { n -> GeneralName in
            if let ip = ClientAddressMatcher.parse(n) { return .ipAddress(ASN1OctetString(contentBytes: ip[...])) }
            return .dnsName(n)
        })
        let eku: [ExtendedKeyUsage.Usage]
        switch usage {
        case .server: eku = [.serverAuth]
        case .client: eku = [.clientAuth]
        case .both: eku = [.serverAuth, .clientAuth]
        }
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: validFrom ?? now.addingTimeInterval(-3600),
            notValidAfter: validUntil ?? now.addingTimeInterval(365 * 86400),
            issuer: root.certificate.subject,
            subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage(eku)
                san
            },
            issuerPrivateKey: .init(root.privateKey))
        return TestCertificate(certificate: cert, privateKey: key, chain: [root.certificate])
    }

    /// A server certificate that expired yesterday.
    public func issueExpired(commonName: String = "localhost") throws -> TestCertificate {
        let now = Date()
        return try issue(commonName: commonName, subjectAltNames: [commonName, "127.0.0.1"],
                         validFrom: now.addingTimeInterval(-30 * 86400), validUntil: now.addingTimeInterval(-86400))
    }

    /// A server certificate for a name the client will not be dialling.
    public func issueWrongHostname(_ hostname: String = "wrong.example.invalid") throws -> TestCertificate {
        try issue(commonName: hostname, subjectAltNames: [hostname])
    }

    /// A self-signed server certificate as in_forward generates when none is configured (docs/forward-protocol.md, "Server TLS"):
    /// not_before at the epoch, X.509 v3, CA:FALSE. (Fluentd uses RSA-2048; this uses P-256.)
    public static func selfSignedServer(commonName: String, country: String = "US", state: String = "CA",
                                        locality: String = "Mountain View", lifetime: Double = 315_360_000) throws -> TestCertificate {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CountryName(country); StateOrProvinceName(state); LocalityName(locality); CommonName(commonName)
        }
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date(timeIntervalSince1970: 0), notValidAfter: Date().addingTimeInterval(lifetime),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                BasicConstraints.notCertificateAuthority
                SubjectAlternativeNames([.dnsName(commonName)])
            },
            issuerPrivateKey: .init(key))
        return TestCertificate(certificate: cert, privateKey: key, chain: [])
    }

    /// A server certificate signed by this CA with Fluentd's generated-cert shape (docs/forward-protocol.md, "Server TLS").
    public func issueFluentdStyleServer(commonName: String, country: String = "US", state: String = "CA",
                                        locality: String = "Mountain View", lifetime: Double = 315_360_000) throws -> TestCertificate {
        let key = P256.Signing.PrivateKey()
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date(timeIntervalSince1970: 0), notValidAfter: Date().addingTimeInterval(lifetime),
            issuer: root.certificate.subject,
            subject: try DistinguishedName {
                CountryName(country); StateOrProvinceName(state); LocalityName(locality); CommonName(commonName)
            },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                BasicConstraints.notCertificateAuthority
                KeyUsage(digitalSignature: true, keyEncipherment: true)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName(commonName)])
            },
            issuerPrivateKey: .init(root.privateKey))
        return TestCertificate(certificate: cert, privateKey: key, chain: [root.certificate])
    }
}

/// A certificate with its private key and issuing chain.
public struct TestCertificate: Sendable {
    public let certificate: Certificate
    public let privateKey: P256.Signing.PrivateKey
    /// Issuer certificates (not including the leaf), nearest first.
    public let chain: [Certificate]

    public init(certificate: Certificate, privateKey: P256.Signing.PrivateKey, chain: [Certificate]) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.chain = chain
    }

    /// The leaf certificate as PEM.
    public func certificatePEM() throws -> String { try certificate.serializeAsPEM().pemString }
    /// The private key as PKCS#8 PEM.
    public var privateKeyPEM: String { privateKey.pemRepresentation }
    /// Leaf then chain, PEM (what Fluentd's `cert_path` may hold).
    public func fullChainPEM() throws -> String {
        try ([certificate] + chain).map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
    }

    /// Writes `<name>.crt` (leaf + chain) and `<name>.key` into `directory`; returns their paths.
    @discardableResult
    public func write(to directory: String, name: String) throws -> (certificatePath: String, privateKeyPath: String) {
        let cert = (directory as NSString).appendingPathComponent("\(name).crt")
        let key = (directory as NSString).appendingPathComponent("\(name).key")
        try fullChainPEM().write(toFile: cert, atomically: true, encoding: .utf8)
        try (privateKeyPEM + "\n").write(toFile: key, atomically: true, encoding: .utf8)
        return (cert, key)
    }

    /// For NIOSSL: the leaf (and chain) certificates.
    public func nioCertificateChain() throws -> [NIOSSLCertificate] {
        try ([certificate] + chain).map { try NIOSSLCertificate(bytes: Array($0.serializeAsPEM().pemString.utf8), format: .pem) }
    }

    /// For NIOSSL: the leaf certificate alone (e.g. as a trust root).
    public func nioCertificate() throws -> NIOSSLCertificate {
        try NIOSSLCertificate(bytes: Array(certificatePEM().utf8), format: .pem)
    }

    /// For NIOSSL: the private key.
    public func nioPrivateKey() throws -> NIOSSLPrivateKey {
        try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
    }
}
