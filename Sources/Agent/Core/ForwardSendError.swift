/// A send, connect or write failure with Fluentd's error class name (for "failed to flush the buffer" lines).
public struct ForwardSendError: Error, Sendable, Equatable, CustomStringConvertible {
    public var errorClass: String
    public var message: String
    /// EAGAIN/EWOULDBLOCK/EINTR/ECONNREFUSED/ETIMEDOUT: out_forward logs these heartbeat failures at debug as
    /// "failed to send heartbeat packet" (docs/forward-protocol.md, "Heartbeats").
    public var expected: Bool

    public init(errorClass: String, message: String, expected: Bool) {
        self.errorClass = errorClass
        self.message = message
        self.expected = expected
    }

    public var description: String { message }

    /// The error `select_healthy_node` raises when no node can take the chunk.
    public static let noNodesAvailable = ForwardSendError(
        errorClass: "Fluent::Plugin::ForwardOutput::NoNodesAvailable", message: "no nodes are available", expected: false)

    /// Whether this is `noNodesAvailable`.
    public var isNoNodesAvailable: Bool { errorClass == Self.noNodesAvailable.errorClass }
}
