/// What a scenario says about itself in the differential fidelity suite (`fidelity:`): divergences from real
/// Fluentd that are known and accepted for now. They are still measured, printed and counted, never hidden.
public struct FidelitySpec: Sendable, Equatable {
    /// One accepted divergence.
    public struct KnownDivergence: Sendable, Equatable {
        /// Which decision: a prefix of the decision key (`r1 detached`, `r1 disabled(ack_timeout)`, `agent chunk_retry`).
        public var decision: String
        /// Why it diverges, and how much was measured when it was recorded.
        public var reason: String
        /// The scenario file line, for messages.
        public var line: Int

        public init(decision: String, reason: String, line: Int = 0) {
            self.decision = decision
            self.reason = reason
            self.line = line
        }

        /// Whether this entry covers the decision `key`. A shutdown decision (`… at shutdown #N`) is covered only by an
        /// entry that names the shutdown: what is known about the run is not known about its stop.
        public func covers(_ key: String) -> Bool {
            guard key.hasPrefix(decision) else { return false }
            return !key.contains(DecisionAlignment.shutdownSuffix) || decision.contains(DecisionAlignment.shutdownSuffix)
        }
    }

    public var knownDivergences: [KnownDivergence] = []

    public init(knownDivergences: [KnownDivergence] = []) { self.knownDivergences = knownDivergences }

    /// The recorded reason when the decision `key` is a known divergence, else nil.
    public func knownReason(for key: String) -> String? { knownDivergences.first { $0.covers(key) }?.reason }
}
