/// A TLS misconfiguration the receiver can be switched into (see `TLSFault`).
public enum TLSFaultProfile: String, Sendable, Hashable, CaseIterable, Codable {
    /// A certificate from a CA the agent does not trust (fresh CA per application).
    case unknownCA = "unknown_ca"
    /// A certificate from the trusted CA for another host name (`wrong.example.invalid`).
    case wrongHostname = "wrong_hostname"
    /// A certificate from the trusted CA that expired yesterday.
    case expired
    /// A valid certificate but only the TLS version given by the fault's `version` (default TLS 1.3),
    /// so an agent limited to another version fails the handshake.
    case versionMismatch = "version_mismatch"
    /// Serve TLS (valid certificate) where the agent speaks plaintext: plaintext on a TLS port.
    case tlsRequired = "tls_required"
    /// Serve plaintext where the agent expects TLS.
    case plaintext
}
