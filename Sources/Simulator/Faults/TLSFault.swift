import ForwardServer

/// `tls`: switches the receiver's transport into a TLS failure while active. The receiver restarts on
/// the same port with certificates from the simulation's test CA (`TestCertificateAuthority`); when
/// the fault is disabled or removed it restarts with its configured transport again.
///
/// Parameters: `profile` — `unknown_ca`, `wrong_hostname`, `expired`, `version_mismatch`,
/// `tls_required` or `plaintext` (see `TLSFaultProfile`); `version` — for `version_mismatch`, the only
/// version served (`TLSv1_2` or `TLSv1_3`, default `TLSv1_3`).
public struct TLSFault: Fault {
    public static let kind = "tls"
    public static let summary = "serve a TLS misconfiguration: unknown CA, wrong host, expired, version mismatch, TLS/plaintext mix"

    public var profile: TLSFaultProfile
    public var version: ReceiverTLSSettings.Version

    public init(profile: TLSFaultProfile, version: ReceiverTLSSettings.Version = .tls1_3) {
        self.profile = profile
        self.version = version
    }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        profile = TLSFaultProfile(rawValue: try r.string("profile", allowed: TLSFaultProfile.allCases.map(\.rawValue)))!
        let v = try r.string("version", default: "TLSv1_3")
        guard let parsed = ReceiverTLSSettings.Version(fluentd: v) else { throw r.invalid("version", "'\(v)' is not TLSv1_2 or TLSv1_3") }
        version = parsed
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters {
        var p: FaultParameters = ["profile": .string(profile.rawValue)]
        if profile == .versionMismatch { p["version"] = .string(version.rawValue) }
        return p
    }

    public var effect: FaultEffect? { .tls(profile, version: version) }
}
