import Foundation
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// `tls_allow_self_signed_cert`: certificate verification as OpenSSL does it, with Fluentd's verify callback that
/// forgives exactly one error, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT (the server presents a lone self-signed
/// certificate). Such a certificate is still checked for its own signature, its validity period and, with
/// `tls_verify_hostname`, the server name; every other chain is verified against the system roots plus
/// `tls_ca_cert_path`. NIOSSL has no flag for this, so it runs as NIOSSL's custom verification callback.
struct SelfSignedTolerantVerifier: Sendable {
    /// `tls_ca_cert_path` certificates, trusted in addition to the system roots.
    let extraRoots: [Certificate]

    init(caCertPaths: [String]) throws {
        var roots: [Certificate] = []
        for path in caCertPaths {
            let pem = try String(contentsOfFile: path, encoding: .utf8)
            roots += try PEMDocument.parseMultiple(pemString: pem).map { try Certificate(pemDocument: $0) }
        }
        extraRoots = roots
    }

    /// The NIOSSL callback for one connection; `hostname` is checked when non-nil.
    func callback(hostname: String?) -> NIOSSLCustomVerificationCallback {
        { presented, promise in
            Task { promise.succeed(await verify(presented, hostname: hostname)) }
        }
    }

    func verify(_ presented: [NIOSSLCertificate], hostname: String?) async -> NIOSSLVerificationResult {
        let now = Date()
        guard let first = presented.first, let leaf = try? Certificate(derEncoded: first.toDERBytes()) else { return .failed }
        let intermediates = presented.dropFirst().compactMap { try? Certificate(derEncoded: $0.toDERBytes()) }
        let loneSelfSigned = presented.count == 1 && leaf.issuer == leaf.subject
            && leaf.publicKey.isValidSignature(leaf.signature, for: leaf)
        if loneSelfSigned {
            // OpenSSL's other checks on a lone certificate: its validity period and (with a name) the host name.
            // RFC 5280 path rules do not apply: the certificate is not a CA, it is its own, forgiven, anchor.
            guard leaf.notValidBefore <= now, now <= leaf.notValidAfter else { return .failed }
            guard let hostname else { return .certificateVerified }
            var verifier = Verifier(rootCertificates: CertificateStore([leaf])) {
                ServerIdentityPolicy(serverHostname: hostname, serverIP: nil)
            }
            let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore())
            if case .validCertificate = result { return .certificateVerified }
            return .failed
        }
        let roots = CertificateStore.systemTrustRoots.appending(contentsOf: extraRoots)
        let result: CertificateValidationResult
        if let hostname {
            var verifier = Verifier(rootCertificates: roots) {
                RFC5280Policy()
                ServerIdentityPolicy(serverHostname: hostname, serverIP: nil)
            }
            result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        } else {
            var verifier = Verifier(rootCertificates: roots) { RFC5280Policy() }
            result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
        }
        if case .validCertificate = result { return .certificateVerified }
        return .failed
    }
}
