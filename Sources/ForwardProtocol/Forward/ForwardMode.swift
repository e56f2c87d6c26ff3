/// The four carrier modes of forward protocol v1, decided by the type of element 1 (docs/forward-protocol.md, "Carrier modes").
public enum ForwardMode: String, Sendable, Codable, CaseIterable {
    case message = "Message"
    case forward = "Forward"
    case packedForward = "PackedForward"
    case compressedPackedForward = "CompressedPackedForward"
}
