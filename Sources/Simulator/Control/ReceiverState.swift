/// Where a managed receiver's lifecycle stands.
public enum ReceiverState: String, Sendable, Codable {
    /// Listening and serving.
    case running
    /// Crashed: not listening, no connections.
    case crashed
    /// Listening sockets closed (connects refused), existing connections served.
    case listenerClosed = "listener_closed"
    /// Stopped (SIGSTOP-like): nothing accepted, read or answered.
    case paused
    /// Not started yet, or stopped for good.
    case stopped
}
