import ForwardProtocol
import ForwardServer
import NIOCore

/// One kind of failure a receiver can be made to show. Each conforming type is a small value type
/// documenting its parameters; `FaultCatalogue` maps `kind` names to types, `FaultEngine` runs them.
///
/// Hooks mirror `ReceiverFaultHooks` but return nil when the fault has no opinion about the event, and
/// get a `FaultContext` (seeded random stream, probability, clock). They are called under the
/// engine's lock on an event loop: they must be quick and must not block.
public protocol Fault: Sendable {
    /// Stable name used in the control API, topology files and the fault log (e.g. `ack_drop`).
    static var kind: String { get }
    /// One line for listings and the documentation.
    static var summary: String { get }
    /// Builds the fault from its parameters; unknown or invalid parameters throw `FaultError`.
    init(parameters: FaultParameters) throws
    /// The parameters as normalised (defaults filled in), for listings.
    var parameters: FaultParameters { get }
    /// A receiver-wide effect (crash, pause, closed listener, TLS profile), nil for message faults.
    var effect: FaultEffect? { get }

    mutating func onAccept(_ connection: ReceiverConnectionInfo, _ context: inout FaultContext) -> ReceiverAcceptDecision?
    mutating func onHandshake(_ connection: ReceiverConnectionInfo, step: ReceiverHandshakeStep,
                              _ context: inout FaultContext) -> ReceiverHandshakeDecision?
    mutating func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int, _ context: inout FaultContext) -> ReceiverReadDecision?
    mutating func beforeAccepting(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverRequestDecision?
    mutating func beforeAck(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverAckDecision?
    mutating func onHeartbeat(from peer: SocketAddress, byteCount: Int, _ context: inout FaultContext) -> ReceiverHeartbeatDecision?
    /// Bytes arrived while the connection was stalled (they skip `beforeRead`); rate-based faults count them.
    mutating func heldRead(_ connection: ReceiverConnectionInfo, byteCount: Int, nowNanos: UInt64)
    /// A stall of this connection is about to end; return more time to keep holding its bytes.
    mutating func extendStall(_ connection: ReceiverConnectionInfo, nowNanos: UInt64) -> TimeAmount?
    /// The connection is gone: drop any per-connection state.
    mutating func connectionClosed(_ connection: ReceiverConnectionInfo)
    /// How long a connection may be idle before `onIdle` is asked (nil: this fault keeps no idle timer).
    func idleTimeout(_ connection: ReceiverConnectionInfo) -> TimeAmount?
    /// No byte went either way on the connection for `idleNanos` (a timer fired; may be shorter than
    /// this fault's own timeout when another fault's is shorter).
    mutating func onIdle(_ connection: ReceiverConnectionInfo, idleNanos: Int64, _ context: inout FaultContext) -> ReceiverIdleDecision?
    /// This fault for a run in which one scenario second lasts `k` real seconds (a scenario's `time_scale`): the
    /// durations it measures on its own real-time clock multiplied by k. Faults whose timing leaves the engine as
    /// delay or stall decisions are stretched where those are carried out, and return themselves.
    func stretched(by k: Double) -> Self
}

extension Fault {
    public var effect: FaultEffect? { nil }
    public mutating func onAccept(_ connection: ReceiverConnectionInfo, _ context: inout FaultContext) -> ReceiverAcceptDecision? { nil }
    public mutating func onHandshake(_ connection: ReceiverConnectionInfo, step: ReceiverHandshakeStep,
                                     _ context: inout FaultContext) -> ReceiverHandshakeDecision? { nil }
    public mutating func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int, _ context: inout FaultContext) -> ReceiverReadDecision? { nil }
    public mutating func beforeAccepting(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverRequestDecision? { nil }
    public mutating func beforeAck(_ request: ReceivedRequestInfo, _ context: inout FaultContext) -> ReceiverAckDecision? { nil }
    public mutating func onHeartbeat(from peer: SocketAddress, byteCount: Int, _ context: inout FaultContext) -> ReceiverHeartbeatDecision? { nil }
    public mutating func heldRead(_ connection: ReceiverConnectionInfo, byteCount: Int, nowNanos: UInt64) {}
    public mutating func extendStall(_ connection: ReceiverConnectionInfo, nowNanos: UInt64) -> TimeAmount? { nil }
    public mutating func connectionClosed(_ connection: ReceiverConnectionInfo) {}
    public func idleTimeout(_ connection: ReceiverConnectionInfo) -> TimeAmount? { nil }
    public mutating func onIdle(_ connection: ReceiverConnectionInfo, idleNanos: Int64, _ context: inout FaultContext) -> ReceiverIdleDecision? { nil }

    public func stretched(by k: Double) -> Self { self }

    /// The kind of this instance.
    public var kind: String { Self.kind }
}
