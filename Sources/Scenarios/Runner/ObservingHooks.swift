import ForwardServer
import NIOConcurrencyHelpers
import NIOCore
import Simulator

/// The receiver's fault hooks for a run: the `FaultEngine` decides, this records heartbeats and accepts. Under a
/// time scale k the delays and stalls the engine decides are stretched by k, so they last as long in scenario time.
/// (A pause is not a hook: the receiver's event loop is stopped, see the simulator's `ManagedReceiver`.)
final class ObservingHooks: ReceiverFaultHooks {
    let engine: FaultEngine
    let clock: RunClock
    private struct State {
        var observations: [ReceiverObservation] = []
        /// Connection id → index of its accept observation, until its first request marks it as data.
        var acceptIndex: [Int: Int] = [:]
        /// TLS connection id → index of its accept observation, until its handshake completes.
        var tlsPending: [Int: Int] = [:]
    }
    private let state = NIOLockedValueBox(State())
    private let limit = 200_000

    init(engine: FaultEngine, clock: RunClock) {
        self.engine = engine
        self.clock = clock
    }

    var observations: [ReceiverObservation] { state.withLockedValue { $0.observations } }

    private func record(_ o: ReceiverObservation, connection: Int? = nil) {
        state.withLockedValue { s in
            guard s.observations.count < limit else { return }
            if let connection {
                s.acceptIndex[connection] = s.observations.count
                if o.answeredAt == nil { s.tlsPending[connection] = s.observations.count }
            }
            s.observations.append(o)
        }
    }

    func onAccept(_ connection: ReceiverConnectionInfo) -> ReceiverAcceptDecision {
        let d = engine.onAccept(connection)
        let now = clock.now
        // Over TLS the agent's connect (a transport heartbeat's answer) completes with the handshake, not the accept;
        // one that fails (a certificate the agent rejects) is no answer at all.
        if case .proceed = d { record(ReceiverObservation(kind: "accept", time: now, answeredAt: connection.isTLS ? nil : now), connection: connection.id) }
        else { record(ReceiverObservation(kind: "accept", time: now, answeredAt: nil)) }
        return d
    }

    func onTLSEstablished(_ connection: ReceiverConnectionInfo) {
        let now = clock.now
        state.withLockedValue { s in
            if let i = s.tlsPending.removeValue(forKey: connection.id) { s.observations[i].answeredAt = now }
        }
        engine.onTLSEstablished(connection)
    }

    func onHandshake(_ connection: ReceiverConnectionInfo, step: ReceiverHandshakeStep) -> ReceiverHandshakeDecision {
        engine.onHandshake(connection, step: step)
    }

    func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int) -> ReceiverReadDecision {
        let d = engine.beforeRead(connection, byteCount: byteCount)
        if case let .stall(t) = d { return .stall(scaled(t)) }
        return d
    }

    /// A fault's delay (written in scenario time) as the real time it must last.
    private func scaled(_ t: TimeAmount) -> TimeAmount {
        clock.scale == 1 ? t : .nanoseconds(Int64((Double(t.nanoseconds) * clock.scale).rounded()))
    }

    func beforeAccepting(_ request: ReceivedRequestInfo) -> ReceiverRequestDecision {
        state.withLockedValue { s in
            if let i = s.acceptIndex.removeValue(forKey: request.connection.id) { s.observations[i].carriedData = true }
        }
        return engine.beforeAccepting(request)
    }

    // Rate caps (slow_reader) and middlebox idle timers live in the engine: pass them through unchanged.
    func heldRead(_ connection: ReceiverConnectionInfo, byteCount: Int) { engine.heldRead(connection, byteCount: byteCount) }
    func extendStall(_ connection: ReceiverConnectionInfo) -> TimeAmount? { engine.extendStall(connection) }
    func idleTimeout(_ connection: ReceiverConnectionInfo) -> TimeAmount? { engine.idleTimeout(connection) }
    func onIdle(_ connection: ReceiverConnectionInfo, idle: TimeAmount) -> ReceiverIdleDecision { engine.onIdle(connection, idle: idle) }

    func beforeAck(_ request: ReceivedRequestInfo) -> ReceiverAckDecision {
        let d = engine.beforeAck(request)
        if case let .delay(t) = d { return .delay(scaled(t)) }
        return d
    }

    func onHeartbeat(from peer: SocketAddress, byteCount: Int) -> ReceiverHeartbeatDecision {
        let now = clock.now
        var d = engine.onHeartbeat(from: peer, byteCount: byteCount)
        if case let .delay(t) = d { d = .delay(scaled(t)) }
        switch d {
        case .reply, .replace: record(ReceiverObservation(kind: "udp", time: now, answeredAt: now))
        case .drop: record(ReceiverObservation(kind: "udp", time: now, answeredAt: nil))
        case let .delay(t): record(ReceiverObservation(kind: "udp", time: now, answeredAt: now + Double(t.nanoseconds) / 1e9 / clock.scale))
        }
        return d
    }

    func connectionClosed(_ connection: ReceiverConnectionInfo) {
        state.withLockedValue { s in
            s.acceptIndex.removeValue(forKey: connection.id)
            s.tlsPending.removeValue(forKey: connection.id)
        }
        engine.connectionClosed(connection)
    }
}
