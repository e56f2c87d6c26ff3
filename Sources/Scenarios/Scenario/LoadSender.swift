/// Who sends the scenario's load: the encoding of its requests (docs/scenarios.md, "Load").
public enum LoadSender: String, Sendable, Equatable, CaseIterable {
    /// PackedForward entries `[EventTime, record]`, as Fluentd's out_forward sends them.
    case fwdlab
    /// Fluent Bit 5 (5.0.5 on, `retain_metadata_in_forward_mode` on by default): PackedForward entries
    /// `[[EventTime, metadata], record]` with an empty metadata map, always through the agent's forward input.
    case fluentBit = "fluent-bit"

    /// The accepted spellings, for errors.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
