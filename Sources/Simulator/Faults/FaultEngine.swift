import Foundation
import ForwardServer
import ForwardProtocol
import NIOConcurrencyHelpers
import NIOCore

/// The active faults of one receiver, composed into the receiver's `ReceiverFaultHooks`.
///
/// Faults are asked in installation order; the first one that returns a decision wins and the event
/// is logged in the shared `FaultLog`. All state sits behind one lock that hooks hold only for the
/// few microseconds a fault needs to decide, so event loops never wait on I/O here.
public final class FaultEngine: ReceiverFaultHooks {
    struct Slot: Sendable {
        var spec: FaultSpec
        var fault: any Fault
        var random: FaultRandom
        /// Monotonic time the current enablement started (installation or last re-enable).
        var enabledAtNanos: UInt64
        var evaluated = 0
        var applied = 0

        var activeSinceNanos: UInt64 { enabledAtNanos &+ UInt64(spec.startAfterNanos) }

        func isActive(_ now: UInt64) -> Bool {
            guard spec.enabled, now >= activeSinceNanos else { return false }
            if let d = spec.durationNanos, now >= activeSinceNanos &+ UInt64(d) { return false }
            return true
        }
    }

    /// A receiver-wide effect that should be in force now.
    public struct ActiveEffect: Sendable, Hashable {
        public var fault: String
        public var effect: FaultEffect
    }

    public let receiver: String
    public let seed: UInt64
    public let log: FaultLog
    private let slots = NIOLockedValueBox<[Slot]>([])

    /// An engine for `receiver`; every fault's random stream derives from `seed` and its own name.
    public init(receiver: String, seed: UInt64, log: FaultLog = FaultLog()) {
        self.receiver = receiver
        self.seed = seed
        self.log = log
    }

    // MARK: Managing faults

    /// Installs a fault of a catalogue kind.
    @discardableResult
    public func add(_ spec: FaultSpec) throws -> FaultStatus {
        try spec.validate()
        let fault = try FaultCatalogue.make(kind: spec.kind, parameters: spec.params)
        return try install(fault, spec: spec)
    }

    /// Installs an already built fault (in-process use); `spec.kind` and `spec.params` are taken from it.
    @discardableResult
    public func add(_ fault: any Fault, name: String? = nil, probability: Double = 1, enabled: Bool = true,
                    startAfterNanos: Int64 = 0, durationNanos: Int64? = nil) throws -> FaultStatus {
        let spec = FaultSpec(kind: fault.kind, name: name, params: fault.parameters, probability: probability,
                             enabled: enabled, startAfterNanos: startAfterNanos, durationNanos: durationNanos)
        try spec.validate()
        return try install(fault, spec: spec)
    }

    private func install(_ fault: any Fault, spec: FaultSpec) throws -> FaultStatus {
        let now = MonotonicClock.nowNanos()
        let slot = Slot(spec: spec, fault: fault, random: FaultRandom(seed: seed, receiver: receiver, fault: spec.name),
                        enabledAtNanos: now)
        return try slots.withLockedValue { slots in
            if slots.contains(where: { $0.spec.name == spec.name }) {
                throw FaultError.duplicateName(receiver: receiver, name: spec.name)
            }
            slots.append(slot)
            return status(of: slot, now: now)
        }
    }

    /// Changes a fault. New `params` are merged over the old ones and rebuild the fault (its state and
    /// random stream restart); re-enabling restarts the `start_after` clock.
    @discardableResult
    public func update(_ name: String, params: FaultParameters? = nil, probability: Double? = nil, enabled: Bool? = nil,
                       startAfterNanos: Int64? = nil, durationNanos: Int64?? = nil) throws -> FaultStatus {
        let now = MonotonicClock.nowNanos()
        return try slots.withLockedValue { slots in
            guard let i = slots.firstIndex(where: { $0.spec.name == name }) else {
                throw FaultError.noSuchFault(receiver: receiver, name: name)
            }
            var slot = slots[i]
            if let params {
                slot.spec.params = slot.spec.params.merging(params)
                slot.fault = try FaultCatalogue.make(kind: slot.spec.kind, parameters: slot.spec.params)
                slot.random = FaultRandom(seed: seed, receiver: receiver, fault: name)
            }
            if let probability { slot.spec.probability = probability }
            if let startAfterNanos { slot.spec.startAfterNanos = startAfterNanos }
            if let durationNanos { slot.spec.durationNanos = durationNanos }
            if let enabled {
                if enabled && !slot.spec.enabled { slot.enabledAtNanos = now }
                slot.spec.enabled = enabled
            }
            try slot.spec.validate()
            slots[i] = slot
            return status(of: slot, now: now)
        }
    }

    /// Switches a fault on or off.
    @discardableResult
    public func setEnabled(_ name: String, _ enabled: Bool) throws -> FaultStatus {
        try update(name, enabled: enabled)
    }

    /// Removes a fault; returns its last status.
    @discardableResult
    public func remove(_ name: String) throws -> FaultStatus {
        let now = MonotonicClock.nowNanos()
        return try slots.withLockedValue { slots in
            guard let i = slots.firstIndex(where: { $0.spec.name == name }) else {
                throw FaultError.noSuchFault(receiver: receiver, name: name)
            }
            return status(of: slots.remove(at: i), now: now)
        }
    }

    /// Removes every fault.
    public func removeAll() {
        slots.withLockedValue { $0.removeAll() }
    }

    /// Every installed fault, in installation order.
    public func statuses() -> [FaultStatus] {
        let now = MonotonicClock.nowNanos()
        return slots.withLockedValue { $0.map { status(of: $0, now: now) } }
    }

    /// One installed fault.
    public func status(_ name: String) throws -> FaultStatus {
        let now = MonotonicClock.nowNanos()
        return try slots.withLockedValue { slots in
            guard let slot = slots.first(where: { $0.spec.name == name }) else {
                throw FaultError.noSuchFault(receiver: receiver, name: name)
            }
            return status(of: slot, now: now)
        }
    }

    private func status(of slot: Slot, now: UInt64) -> FaultStatus {
        FaultStatus(receiver: receiver, spec: slot.spec, effectiveParams: slot.fault.parameters, active: slot.isActive(now),
                    evaluated: slot.evaluated, applied: slot.applied)
    }

    /// Receiver-wide effects in force at `now`. One-shot effects (crash/pause with a delay) are in force
    /// from activation until the delay has passed.
    public func activeEffects(at now: UInt64 = MonotonicClock.nowNanos()) -> [ActiveEffect] {
        slots.withLockedValue { slots in
            slots.compactMap { slot in
                guard let effect = slot.fault.effect, slot.isActive(now) else { return nil }
                let since = now - slot.activeSinceNanos
                switch effect {
                case let .crash(d?) where since >= UInt64(d): return nil
                case let .pause(d?) where since >= UInt64(d): return nil
                default: return ActiveEffect(fault: slot.spec.name, effect: effect)
                }
            }
        }
    }

    /// Logs a receiver-wide action taken by the controller (crash, restart, pause...).
    public func logLifecycle(fault: String, kind: String, decision: String, note: String? = nil) {
        slots.withLockedValue { slots in
            if let i = slots.firstIndex(where: { $0.spec.name == fault }) { slots[i].applied += 1 }
        }
        log.append(receiver: receiver, fault: fault, kind: kind, hook: "lifecycle", target: "receiver", decision: decision, note: note)
    }

    // MARK: Running hooks

    private func run<D>(hook: String, target: () -> String, describe: (D) -> String,
                        _ ask: (inout any Fault, inout FaultContext) -> D?) -> D? {
        let now = MonotonicClock.nowNanos()
        return slots.withLockedValue { slots in
            for i in slots.indices where slots[i].isActive(now) {
                slots[i].evaluated += 1
                var context = FaultContext(random: slots[i].random, probability: slots[i].spec.probability, nowNanos: now,
                                           activeSinceNanos: slots[i].activeSinceNanos, receiver: receiver)
                let decision = ask(&slots[i].fault, &context)
                slots[i].random = context.random
                if let decision {
                    slots[i].applied += 1
                    log.append(receiver: receiver, fault: slots[i].spec.name, kind: slots[i].spec.kind, hook: hook,
                               target: target(), decision: describe(decision), note: context.note, monotonicNanos: now)
                    return decision
                }
            }
            return nil
        }
    }

    public func onAccept(_ connection: ReceiverConnectionInfo) -> ReceiverAcceptDecision {
        run(hook: "accept", target: { Self.describe(connection) }, describe: Self.describe) {
            $0.onAccept(connection, &$1)
        } ?? .proceed
    }

    public func onHandshake(_ connection: ReceiverConnectionInfo, step: ReceiverHandshakeStep) -> ReceiverHandshakeDecision {
        run(hook: "handshake", target: { Self.describe(connection) + (step == .helo ? " HELO" : " PONG") }, describe: Self.describe) {
            $0.onHandshake(connection, step: step, &$1)
        } ?? .proceed
    }

    public func beforeRead(_ connection: ReceiverConnectionInfo, byteCount: Int) -> ReceiverReadDecision {
        run(hook: "read", target: { Self.describe(connection) + " read \(byteCount) B" }, describe: Self.describe) {
            $0.beforeRead(connection, byteCount: byteCount, &$1)
        } ?? .proceed
    }

    public func beforeAccepting(_ request: ReceivedRequestInfo) -> ReceiverRequestDecision {
        run(hook: "request", target: { Self.describe(request) }, describe: Self.describe) {
            $0.beforeAccepting(request, &$1)
        } ?? .accept
    }

    public func beforeAck(_ request: ReceivedRequestInfo) -> ReceiverAckDecision {
        run(hook: "ack", target: { Self.describe(request) }, describe: Self.describe) {
            $0.beforeAck(request, &$1)
        } ?? .send
    }

    public func onHeartbeat(from peer: SocketAddress, byteCount: Int) -> ReceiverHeartbeatDecision {
        run(hook: "heartbeat", target: { "udp \(peer.ipAddress ?? "?"):\(peer.port ?? 0)" }, describe: Self.describe) {
            $0.onHeartbeat(from: peer, byteCount: byteCount, &$1)
        } ?? .reply
    }

    public func heldRead(_ connection: ReceiverConnectionInfo, byteCount: Int) {
        let now = MonotonicClock.nowNanos()
        slots.withLockedValue { slots in
            for i in slots.indices where slots[i].isActive(now) {
                slots[i].fault.heldRead(connection, byteCount: byteCount, nowNanos: now)
            }
        }
    }

    public func extendStall(_ connection: ReceiverConnectionInfo) -> TimeAmount? {
        let now = MonotonicClock.nowNanos()
        return slots.withLockedValue { slots in
            var longest: TimeAmount?
            for i in slots.indices where slots[i].isActive(now) {
                if let t = slots[i].fault.extendStall(connection, nowNanos: now), t > (longest ?? .zero) { longest = t }
            }
            return longest
        }
    }

    /// The shortest idle timeout among the active faults.
    public func idleTimeout(_ connection: ReceiverConnectionInfo) -> TimeAmount? {
        let now = MonotonicClock.nowNanos()
        return slots.withLockedValue { slots in
            var shortest: TimeAmount?
            for slot in slots where slot.isActive(now) {
                if let t = slot.fault.idleTimeout(connection), shortest.map({ t < $0 }) ?? true { shortest = t }
            }
            return shortest
        }
    }

    public func onIdle(_ connection: ReceiverConnectionInfo, idle: TimeAmount) -> ReceiverIdleDecision {
        run(hook: "idle", target: { Self.describe(connection) + " idle \(Self.ms(idle))" }, describe: Self.describe) {
            $0.onIdle(connection, idleNanos: idle.nanoseconds, &$1)
        } ?? .proceed
    }

    /// Tells every fault that a connection ended, so per-connection state is dropped.
    public func connectionClosed(_ connection: ReceiverConnectionInfo) {
        slots.withLockedValue { slots in
            for i in slots.indices { slots[i].fault.connectionClosed(connection) }
        }
    }

    // MARK: Describing targets and decisions for the log

    static func describe(_ c: ReceiverConnectionInfo) -> String { "conn#\(c.id) \(c.peer)" }

    static func describe(_ r: ReceivedRequestInfo) -> String {
        var s = "conn#\(r.connection.id) \(r.connection.peer) req#\(r.sequence) tag=\(r.tag) events=\(r.eventCount)"
        if let chunk = r.chunkID { s += " chunk=\(chunk.trimmingCharacters(in: .newlines))" }
        return s
    }

    static func ms(_ t: TimeAmount) -> String { DurationText.format(t.nanoseconds) }

    static func describe(_ d: ReceiverAcceptDecision) -> String {
        switch d {
        case .proceed: return "proceed"
        case .close: return "close (FIN)"
        case .reset: return "reset (RST)"
        }
    }

    static func describe(_ d: ReceiverHandshakeDecision) -> String {
        switch d {
        case .proceed: return "proceed"
        case .suppress: return "suppress"
        case let .replace(b): return "replace (\(b.readableBytes) B)"
        case let .split(segments, delay): return "split into \(segments) segments \(ms(delay)) apart"
        case .close: return "close (FIN)"
        case .reset: return "reset (RST)"
        }
    }

    static func describe(_ d: ReceiverIdleDecision) -> String {
        switch d {
        case .proceed: return "proceed"
        case .close: return "close (FIN)"
        case .reset: return "reset (RST)"
        case .blackhole: return "blackhole"
        }
    }

    static func describe(_ d: ReceiverReadDecision) -> String {
        switch d {
        case .proceed: return "proceed"
        case let .stall(t): return "stall \(ms(t))"
        case .discard: return "discard"
        case .close: return "close (FIN)"
        case .reset: return "reset (RST)"
        }
    }

    static func describe(_ d: ReceiverRequestDecision) -> String {
        switch d {
        case .accept: return "accept"
        case .drop: return "drop (no ledger entry, no ack)"
        case .closeWithoutAck: return "close without ack"
        case .acknowledgeOnly: return "ack without accepting"
        }
    }

    static func describe(_ d: ReceiverAckDecision) -> String {
        switch d {
        case .send: return "send"
        case .drop: return "drop"
        case let .delay(t): return "delay \(ms(t))"
        case let .replace(b): return "replace (\(b.readableBytes) B)"
        case .duplicate: return "duplicate"
        case .close: return "close (FIN)"
        case .reset: return "reset (RST)"
        }
    }

    static func describe(_ d: ReceiverHeartbeatDecision) -> String {
        switch d {
        case .reply: return "reply"
        case .drop: return "drop"
        case let .delay(t): return "delay \(ms(t))"
        case let .replace(b): return "replace (\(b.count) B)"
        }
    }
}
