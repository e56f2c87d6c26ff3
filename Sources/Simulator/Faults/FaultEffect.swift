import ForwardServer

/// What a fault does to the receiver as a whole, beyond per-message hook decisions. The controller
/// applies it when the fault becomes active and undoes it when the fault is disabled or removed.
public enum FaultEffect: Sendable, Hashable {
    /// Stop listening and drop every connection (a crash); listen again after the delay (nil: only
    /// when the fault is disabled or removed, or on `restart`).
    case crash(restartAfterNanos: Int64?)
    /// Stop reading and accepting (SIGSTOP: the kernel still completes handshakes into the backlog);
    /// resume after the delay (nil: when the fault is disabled or removed, or on `resume`).
    case pause(resumeAfterNanos: Int64?)
    /// Close the listening sockets (TCP and UDP) while active: connects are refused, open connections live on.
    case listenerClosed
    /// Serve TLS configured by this profile while active (the receiver restarts on the same port).
    case tls(TLSFaultProfile, version: ReceiverTLSSettings.Version)
}
