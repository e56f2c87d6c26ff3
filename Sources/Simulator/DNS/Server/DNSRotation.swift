/// How a name's answer order changes between answers.
public enum DNSRotation: String, Sendable, Hashable, Codable {
    /// Keep the configured order; only `DNSAuthority.rotate(_:)` moves it.
    case onCue = "on_cue"
    /// Move the first address to the end after every answer (round-robin DNS, as BIND's cyclic order).
    case everyAnswer = "every_answer"
}
