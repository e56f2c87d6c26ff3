/// A partial change to an installed fault (`POST /receivers/{name}/faults/{fault}`); absent fields stay.
public struct FaultUpdate: Sendable, Hashable {
    /// Merged over the current parameters (the fault is rebuilt: its state and random stream restart).
    public var params: FaultParameters?
    public var probability: Double?
    public var enabled: Bool?
    public var startAfterNanos: Int64?
    /// `.some(nil)` clears the duration.
    public var durationNanos: Int64??

    public init(params: FaultParameters? = nil, probability: Double? = nil, enabled: Bool? = nil,
                startAfterNanos: Int64? = nil, durationNanos: Int64?? = nil) {
        self.params = params
        self.probability = probability
        self.enabled = enabled
        self.startAfterNanos = startAfterNanos
        self.durationNanos = durationNanos
    }
}
