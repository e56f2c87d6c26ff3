import Simulator

/// The receiver transport each `tls` fault profile serves, built from the run's test CA; the same catalogue the
/// simulator's controller serves (docs/faults.md), for receivers the scenario runner owns.
enum ScenarioTLSProfiles {
    /// TLS settings for `fault` (nil: serve plaintext). `base` is the receiver's configured TLS, if any.
    static func settings(_ fault: TLSFault, material: TLSMaterial, receiver: String,
                         base: ReceiverTLSSettings?) throws -> ReceiverTLSSettings? {
        let names = ["localhost", "127.0.0.1", "::1"]
        func serving(_ cert: TestCertificate, _ suffix: String) throws -> ReceiverTLSSettings {
            let (c, k) = try cert.write(to: material.directory, name: "\(receiver)-\(suffix)")
            var s = base ?? ReceiverTLSSettings()
            s.certPath = c
            s.privateKeyPath = k
            s.privateKeyPassphrase = nil
            s.caCertPath = nil
            s.caPrivateKeyPath = nil
            s.insecure = false
            return s
        }
        switch fault.profile {
        case .plaintext:
            return nil
        case .unknownCA:
            // A CA the agent was never given: its verification fails.
            let stranger = try TestCertificateAuthority(commonName: "Unknown Test CA")
            return try serving(stranger.issue(commonName: "localhost", subjectAltNames: names), "unknown-ca")
        case .wrongHostname:
            return try serving(material.authority.issueWrongHostname(), "wrong-hostname")
        case .expired:
            return try serving(material.authority.issueExpired(commonName: "localhost"), "expired")
        case .versionMismatch:
            var s = try serving(material.authority.issue(commonName: "localhost", subjectAltNames: names), "valid")
            s.version = fault.version
            s.minVersion = nil
            s.maxVersion = nil
            return s
        case .tlsRequired:
            if let base { return base }
            return try serving(material.authority.issue(commonName: "localhost", subjectAltNames: names), "valid")
        }
    }
}
