import Dispatch
import NIOConcurrencyHelpers
import NIOCore

/// SIGSTOP for an in-process receiver: blocks the receiver's own event loop threads, so the process-level effects
/// of a stopped process are the kernel's, not emulated. Nothing is accepted (handshakes complete into the listen
/// backlog), read, written or timed out; receive buffers fill and the sender's window closes; a peer's FIN or RST
/// waits in the socket with the bytes before it (Linux keeps them readable), and UDP datagrams queue. `thaw()`
/// lets the loops run again and they process everything the kernel kept, in order (docs/faults.md, "pause").
///
/// The loops must serve nothing but this receiver, or the freeze would stop other work too.
final class EventLoopFreeze: Sendable {
    private let loops: [any EventLoop]
    /// One gate per frozen loop; nil while running.
    private let gates = NIOLockedValueBox<[DispatchSemaphore]?>(nil)
    /// Set by `retire()`: the loops are about to shut down and must never block again.
    private let retired = NIOLockedValueBox(false)

    init(loops: [any EventLoop]) { self.loops = loops }

    var isFrozen: Bool { gates.withLockedValue { $0 != nil } }

    /// Blocks every loop; returns once each one is blocked (so nothing is processed after this returns).
    func freeze() async {
        let new = loops.map { _ in DispatchSemaphore(value: 0) }
        let installed = gates.withLockedValue { g -> Bool in
            guard g == nil, !retired.withLockedValue({ $0 }) else { return false }
            g = new
            return true
        }
        guard installed else { return }
        for (loop, gate) in zip(loops, new) {
            await withCheckedContinuation { (entered: CheckedContinuation<Void, Never>) in
                loop.execute {
                    entered.resume()
                    gate.wait()
                }
            }
        }
    }

    /// Lets every loop run again and refuses later freezes (before the loops shut down).
    func retire() {
        gates.withLockedValue { _ in retired.withLockedValue { $0 = true } }
        thaw()
    }

    /// Lets every loop run again.
    func thaw() {
        let frozen = gates.withLockedValue { g -> [DispatchSemaphore]? in
            defer { g = nil }
            return g
        }
        for gate in frozen ?? [] { gate.signal() }
    }
}
