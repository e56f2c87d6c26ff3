import Foundation
import ForwardServer

/// The simulation's test PKI on disk: a trusted CA (`ca.crt`, what agents should trust) and server
/// certificates for `localhost`/`127.0.0.1`, plus the broken ones TLS faults serve. Files are written
/// lazily into `directory`.
public final class TLSMaterial: Sendable {
    /// Where `ca.crt` and the server certificates live.
    public let directory: String
    /// The CA agents should trust.
    public let authority: TestCertificateAuthority
    /// Path of the trusted CA certificate (PEM).
    public let caPath: String

    /// Creates a CA and writes `ca.crt` (and its key `ca.key`) into `directory` (created if missing).
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        authority = try TestCertificateAuthority()
        caPath = (directory as NSString).appendingPathComponent("ca.crt")
        try authority.root.certificatePEM().write(toFile: caPath, atomically: true, encoding: .utf8)
        try (authority.root.privateKeyPEM + "\n").write(toFile: (directory as NSString).appendingPathComponent("ca.key"),
                                                        atomically: true, encoding: .utf8)
    }

    /// A valid server certificate (for `localhost` and `127.0.0.1`) signed by the trusted CA.
    public func validServer(name: String) throws -> (certificatePath: String, privateKeyPath: String) {
        try authority.issue(commonName: "localhost", subjectAltNames: ["localhost", "127.0.0.1", "::1"])
            .write(to: directory, name: "\(name)-server")
    }

    /// TLS settings for a receiver serving `fault` (nil: serve plaintext), based on its configured TLS `base`; used by
    /// the simulator's controller and the scenario runner alike.
    public func settings(for fault: TLSFault, receiver: String, base: ReceiverTLSSettings?) throws -> ReceiverTLSSettings? {
        try settings(for: fault.profile, receiver: receiver, base: base, version: fault.version)
    }

    /// TLS settings for a receiver in `profile` (nil: serve plaintext), based on its configured TLS.
    func settings(for profile: TLSFaultProfile, receiver: String, base: ReceiverTLSSettings?,
                  version: ReceiverTLSSettings.Version) throws -> ReceiverTLSSettings? {
        func files(_ cert: TestCertificate, _ suffix: String) throws -> ReceiverTLSSettings {
            let (c, k) = try cert.write(to: directory, name: "\(receiver)-\(suffix)")
            var s = base ?? ReceiverTLSSettings()
            s.certPath = c
            s.privateKeyPath = k
            s.privateKeyPassphrase = nil
            s.caCertPath = nil
            s.caPrivateKeyPath = nil
            s.insecure = false
            return s
        }
        switch profile {
        case .plaintext:
            return nil
        case .unknownCA:
            let stranger = try TestCertificateAuthority(commonName: "Unknown Test CA")
            return try files(stranger.issue(commonName: "localhost", subjectAltNames: ["localhost", "127.0.0.1", "::1"]), "unknown-ca")
        case .wrongHostname:
            return try files(authority.issueWrongHostname(), "wrong-hostname")
        case .expired:
            return try files(authority.issueExpired(commonName: "localhost"), "expired")
        case .versionMismatch:
            var s = try files(authority.issue(commonName: "localhost", subjectAltNames: ["localhost", "127.0.0.1", "::1"]), "valid")
            s.version = version
            s.minVersion = nil
            s.maxVersion = nil
            return s
        case .tlsRequired:
            if let base { return base }
            return try files(authority.issue(commonName: "localhost", subjectAltNames: ["localhost", "127.0.0.1", "::1"]), "valid")
        }
    }
}
