/// Bounds that keep hostile input from exhausting the stack or memory.
///
/// Declared lengths are checked against these before any byte is awaited or allocated, so a
/// 5-byte header claiming a 4 GiB string is rejected at once rather than buffered.
public struct MessagePackLimits: Sendable, Equatable {
    /// Maximum container nesting depth.
    public var maxDepth: Int
    /// Maximum size in bytes of one complete top-level object (a frame).
    public var maxFrameLength: Int
    /// Maximum element count of one array or map.
    public var maxContainerCount: Int

    /// Reject ext values whose type is not EventTime (0), as Fluentd's decoder does unless
    /// `enable_msgpack_time_support` is on (docs/forward-protocol.md, "EventTime"). Checked by the frame scanner.
    public var eventTimeExtensionOnly: Bool

    public init(maxDepth: Int = 64, maxFrameLength: Int = 256 << 20, maxContainerCount: Int = 16 << 20,
                eventTimeExtensionOnly: Bool = false) {
        self.maxDepth = maxDepth
        self.maxFrameLength = maxFrameLength
        self.maxContainerCount = maxContainerCount
        self.eventTimeExtensionOnly = eventTimeExtensionOnly
    }

    /// Defaults suitable for a forward-protocol server.
    public static let `default` = MessagePackLimits()
}
