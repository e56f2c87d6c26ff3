/// An installed fault as the control API reports it.
public struct FaultStatus: Sendable, Hashable, Codable {
    public var receiver: String
    public var spec: FaultSpec
    /// Normalised parameters (defaults filled in).
    public var effectiveParams: FaultParameters
    /// Acting now (enabled and inside its start_after/duration window).
    public var active: Bool
    /// Events the fault was asked about while active.
    public var evaluated: Int
    /// Decisions it made (entries in the fault log).
    public var applied: Int

    enum CodingKeys: String, CodingKey {
        case receiver, spec, active, evaluated, applied
        case effectiveParams = "effective_params"
    }
}
