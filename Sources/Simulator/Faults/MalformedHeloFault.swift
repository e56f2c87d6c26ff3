import ForwardProtocol
import ForwardServer
import NIOCore

/// `helo_malformed`: sends a broken HELO instead of the real one (a hostile or non-Fluentd server).
///
/// Parameters: `variant`:
/// * `not_array` — a map `{"HELO": {...}}` instead of the 2-element array (default);
/// * `wrong_tag` — `["HELLO", {...}]`;
/// * `one_element` — `["HELO"]`;
/// * `options_not_map` — `["HELO", "nonce"]`;
/// * `truncated` — the first half of a valid HELO, then nothing;
/// * `garbage` — 32 seeded random bytes.
public struct MalformedHeloFault: Fault {
    public static let kind = "helo_malformed"
    public static let summary = "send a malformed HELO (not an array, wrong tag, truncated, garbage...)"

    /// The shape of the broken HELO.
    public enum Variant: String, Sendable, CaseIterable {
        case notArray = "not_array", wrongTag = "wrong_tag", oneElement = "one_element"
        case optionsNotMap = "options_not_map", truncated, garbage
    }

    public var variant: Variant

    public init(variant: Variant = .notArray) { self.variant = variant }

    public init(parameters: FaultParameters) throws {
        var r = FaultParameterReader(kind: Self.kind, parameters)
        variant = Variant(rawValue: try r.string("variant", default: "not_array", allowed: Variant.allCases.map(\.rawValue)))!
        try r.rejectUnknown()
    }

    public var parameters: FaultParameters { ["variant": .string(variant.rawValue)] }

    static func options() -> MessagePackValue {
        .map([MessagePackPair("nonce", .binary(Array(repeating: 1, count: 16))),
              MessagePackPair("auth", .binary(Array(repeating: 2, count: 16))),
              MessagePackPair("keepalive", .bool(true))])
    }

    /// The bytes sent for `variant`.
    static func bytes(_ variant: Variant, random: inout FaultRandom) -> ByteBuffer {
        let value: MessagePackValue
        switch variant {
        case .notArray: value = .map([MessagePackPair("HELO", options())])
        case .wrongTag: value = .array([.str("HELLO"), options()])
        case .oneElement: value = .array([.str("HELO")])
        case .optionsNotMap: value = .array([.str("HELO"), .str("nonce")])
        case .truncated:
            let full = MessagePackValue.array([.str("HELO"), options()]).encoded
            return full.getSlice(at: full.readerIndex, length: full.readableBytes / 2)!
        case .garbage:
            return ByteBuffer(bytes: (0 ..< 32).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        }
        return value.encoded
    }

    public mutating func onHandshake(_ connection: ReceiverConnectionInfo, step: ReceiverHandshakeStep,
                                     _ context: inout FaultContext) -> ReceiverHandshakeDecision? {
        guard step == .helo, context.fires() else { return nil }
        return .replace(Self.bytes(variant, random: &context.random))
    }
}
