/// One query as the server saw it and what it did about it, for reports and assertions.
public struct DNSQueryLogEntry: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Wall-clock nanoseconds since the epoch when the query arrived.
    public var wallNanos: Int64
    /// Monotonic nanoseconds (`MonotonicClock`) when the query arrived, for lining up with other timelines.
    public var monotonicNanos: UInt64
    /// "ip:port" of the client.
    public var client: String
    public var transport: DNSTransport
    /// The query ID (0 for malformed input).
    public var id: UInt16
    /// Queried name in dotted text ("" if the query could not be read).
    public var name: String
    /// Queried type mnemonic ("A", "AAAA", "TYPE65").
    public var type: String
    /// Response code text ("NOERROR", "NXDOMAIN", ...), "dropped" when no answer was sent, "malformed" for garbage.
    public var outcome: String
    /// Addresses in the answer section, in answer order.
    public var answers: [String]
    /// TTL given to the answers (0 when none).
    public var ttl: UInt32
    /// Milliseconds the answer was held back.
    public var delayMilliseconds: Int64
    /// The UDP answer had TC set.
    public var truncated: Bool

    public var description: String {
        let answerText = answers.isEmpty ? "" : " [\(answers.joined(separator: ", "))] ttl=\(ttl)"
        let delayText = delayMilliseconds > 0 ? " delay=\(delayMilliseconds)ms" : ""
        let tc = truncated ? " TC" : ""
        return "\(client) \(transport.rawValue) id=\(id) \(name) \(type) → \(outcome)\(answerText)\(delayText)\(tc)"
    }
}
