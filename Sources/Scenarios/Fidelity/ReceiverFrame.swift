import Foundation

/// One input for the receiver differential: bytes written on a fresh connection to each receiver.
public struct ReceiverFrame: Sendable, Equatable, Codable {
    /// Where the frame comes from.
    public enum Origin: String, Sendable, Codable {
        /// A row of fixtures/malformed/corpus.jsonl.
        case corpus
        /// A valid edge case built by `ReceiverFrameCorpus.generated()`.
        case generated
    }

    /// How in_forward reads the connection, decided by its first byte (docs/fidelity-receiver.md).
    public enum Encoding: String, Sendable, Codable {
        case msgpack
        case json
    }

    public var name: String
    public var bytes: [UInt8]
    public var origin: Origin
    /// The corpus row's `expect` label (close, ignore, incomplete), reported beside the measurement.
    public var corpusExpect: String?

    public init(name: String, bytes: [UInt8], origin: Origin, corpusExpect: String? = nil) {
        self.name = name
        self.bytes = bytes
        self.origin = origin
        self.corpusExpect = corpusExpect
    }

    /// A connection whose first byte is `{` or `[` is a JSON stream; anything else is MessagePack.
    public var encoding: Encoding {
        guard let first = bytes.first else { return .msgpack }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? .json : .msgpack
    }

    /// The bytes as lowercase hex (the corpus' notation).
    public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }
}
