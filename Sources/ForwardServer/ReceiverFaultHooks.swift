import ForwardProtocol
import NIOCore

/// Hook points where a fault can change what a receiver does. Every method is called on the
/// connection's (or UDP channel's) event loop and must return quickly without blocking; the defaults
/// behave exactly like in_forward. Implementations live in `Simulator/Faults`.
///
/// Order on a TCP/TLS connection: `onAccept` → (TLS: `onTLSEstablished` once its handshake completes) →
/// (`onHandshake(.helo)`) → for every read `beforeRead`
/// → (`onHandshake(.pong)`) → per event request `beforeAccepting` → ledger append → `beforeAck`
/// (only when the request asked for an ack). UDP: `onHeartbeat` per datagram. Beside that order, a
/// connection without traffic for `idleTimeout` gets `onIdle` from a timer.
public protocol ReceiverFaultHooks: Sendable {
    /// A connection was accepted (before HELO).
    func onAccept(_ connection: ReceiverConnectionInfo) -> ReceiverAcceptDecision
    /// A handshake message is about to be written.
    func onHandshake(_ connection: ReceiverConnectionInfo, step: ReceiverHandshakeStep) -> ReceiverHandshakeDecision
    /// A TLS connection's handshake completed: what a TLS client's connect (and so a transport heartbeat) waits for.
    /// Not called when the handshake fails.
    func onTLSEstablished(_ connection: ReceiverConnectionInfo)
    /// Bytes arrived and are about to be decoded.
    func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int) -> ReceiverReadDecision
    /// A request decoded and validated; its events are about to enter the ledger.
    func beforeAccepting(_ request: ReceivedRequestInfo) -> ReceiverRequestDecision
    /// The request was accepted and its ack is about to be written.
    func beforeAck(_ request: ReceivedRequestInfo) -> ReceiverAckDecision
    /// A UDP heartbeat datagram arrived from `peer`.
    func onHeartbeat(from peer: SocketAddress, byteCount: Int) -> ReceiverHeartbeatDecision
    /// Bytes arrived while the connection was stalled; they skip `beforeRead` (rate caps count them here).
    func heldRead(_ connection: ReceiverConnectionInfo, byteCount: Int)
    /// A stall is about to end: return more time to keep holding (nil or zero: release now).
    func extendStall(_ connection: ReceiverConnectionInfo) -> TimeAmount?
    /// How long the connection may go without a byte in either direction before `onIdle` (nil: no timer).
    /// Asked when the timer is armed: at accept, at the first traffic after it was disarmed, and when it fires.
    func idleTimeout(_ connection: ReceiverConnectionInfo) -> TimeAmount?
    /// No byte went either way for `idle` (at least `idleTimeout`).
    func onIdle(_ connection: ReceiverConnectionInfo, idle: TimeAmount) -> ReceiverIdleDecision
}

extension ReceiverFaultHooks {
    public func onAccept(_ connection: ReceiverConnectionInfo) -> ReceiverAcceptDecision { .proceed }
    public func onHandshake(_ connection: ReceiverConnectionInfo, step: ReceiverHandshakeStep) -> ReceiverHandshakeDecision { .proceed }
    public func onTLSEstablished(_ connection: ReceiverConnectionInfo) {}
    public func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int) -> ReceiverReadDecision { .proceed }
    public func beforeAccepting(_ request: ReceivedRequestInfo) -> ReceiverRequestDecision { .accept }
    public func beforeAck(_ request: ReceivedRequestInfo) -> ReceiverAckDecision { .send }
    public func onHeartbeat(from peer: SocketAddress, byteCount: Int) -> ReceiverHeartbeatDecision { .reply }
    public func heldRead(_ connection: ReceiverConnectionInfo, byteCount: Int) {}
    public func extendStall(_ connection: ReceiverConnectionInfo) -> TimeAmount? { nil }
    public func idleTimeout(_ connection: ReceiverConnectionInfo) -> TimeAmount? { nil }
    public func onIdle(_ connection: ReceiverConnectionInfo, idle: TimeAmount) -> ReceiverIdleDecision { .proceed }
}

/// Who is on the other end of a receiver connection.
public struct ReceiverConnectionInfo: Sendable, Hashable {
    public var receiver: String
    /// Connection number within this receiver, from 1.
    public var id: Int
    /// `ip:port` of the peer.
    public var peer: String
    public var peerIP: String
    public var isTLS: Bool

    public init(receiver: String, id: Int, peer: String, peerIP: String, isTLS: Bool) {
        self.receiver = receiver
        self.id = id
        self.peer = peer
        self.peerIP = peerIP
        self.isTLS = isTLS
    }
}

/// A decoded request, as fault hooks see it.
public struct ReceivedRequestInfo: Sendable {
    public var connection: ReceiverConnectionInfo
    /// Request number on this connection, from 1.
    public var sequence: Int
    public var tag: String
    public var mode: ForwardMode
    public var eventCount: Int
    /// The `chunk` option as text, nil without one.
    public var chunkID: String?
    public var wantsAck: Bool
    public var frameLength: Int

    public init(connection: ReceiverConnectionInfo, sequence: Int, tag: String, mode: ForwardMode, eventCount: Int,
                chunkID: String?, wantsAck: Bool, frameLength: Int) {
        self.connection = connection
        self.sequence = sequence
        self.tag = tag
        self.mode = mode
        self.eventCount = eventCount
        self.chunkID = chunkID
        self.wantsAck = wantsAck
        self.frameLength = frameLength
    }
}

/// What to do with a freshly accepted connection.
public enum ReceiverAcceptDecision: Sendable {
    case proceed
    /// Close with FIN before anything is sent.
    case close
    /// Close with RST (SO_LINGER 0).
    case reset
}

/// Which handshake message is about to be sent.
public enum ReceiverHandshakeStep: Sendable, Hashable {
    case helo
    case pong(success: Bool)
}

/// What to do with a handshake message.
public enum ReceiverHandshakeDecision: Sendable {
    case proceed
    /// Do not send it (the client waits).
    case suppress
    /// Send these bytes instead (e.g. a malformed HELO).
    case replace(ByteBuffer)
    /// Send the message in `segments` nearly equal pieces (at most one per byte), each flushed on its
    /// own, `delay` after the previous one: the client must reassemble the handshake message.
    case split(segments: Int, delay: TimeAmount)
    case close
    case reset
}

/// What to do with bytes that just arrived.
public enum ReceiverReadDecision: Sendable {
    case proceed
    /// Hold these bytes and stop reading for the given time (a stalled receiver; TCP back-pressure builds).
    case stall(TimeAmount)
    /// Throw the bytes away as if never received.
    case discard
    case close
    case reset
}

/// What to do with a decoded request before it enters the ledger.
public enum ReceiverRequestDecision: Sendable {
    case accept
    /// Drop it: no ledger entry, no ack, connection kept.
    case drop
    /// Fluentd's back-pressure path (docs/forward-protocol.md, "Request processing", step 7): nothing accepted, no ack, connection closed.
    case closeWithoutAck
    /// Ack it (when asked) but keep nothing: the events are lost after the agent committed them.
    case acknowledgeOnly
}

/// What to do with an ack about to be written.
public enum ReceiverAckDecision: Sendable {
    case send
    case drop
    /// Send it later (later acks on the connection are not held back, so acks can reorder).
    case delay(TimeAmount)
    /// Send these bytes instead (e.g. a wrong chunk id).
    case replace(ByteBuffer)
    /// Send it twice.
    case duplicate
    /// Close (FIN) instead of acking.
    case close
    /// Reset (RST) instead of acking.
    case reset
}

/// What to do with a connection that has been idle for its `idleTimeout`.
public enum ReceiverIdleDecision: Sendable {
    /// Keep it; ask again after another idle period.
    case proceed
    /// Close with FIN.
    case close
    /// Close with RST.
    case reset
    /// Drop everything both ways from now on, silently (a middlebox that forgot the flow): reads are
    /// thrown away unread and writes never reach the socket.
    case blackhole
}

/// What to do with a UDP heartbeat.
public enum ReceiverHeartbeatDecision: Sendable {
    case reply
    case drop
    case delay(TimeAmount)
    /// Reply with these bytes instead of `00`.
    case replace([UInt8])
}
