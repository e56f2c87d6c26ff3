import Dispatch
import Logging
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps process signals onto control actions (docs/forward-protocol.md, "Signals"): SIGUSR1 flush, SIGHUP reload, SIGUSR2 graceful reload,
/// SIGINT/SIGTERM graceful stop.
///
/// A C signal handler writes the signal number to a self-pipe (the only async-signal-safe thing it does);
/// a Dispatch read source on the pipe runs the actions. This works whichever thread the kernel picks to
/// deliver the signal (Dispatch signal sources on Linux use signalfd, which needs the signal blocked in
/// every thread). `cancel()` restores the default disposition once no handler wants the signal.
public final class SignalHandler: Sendable {
    /// Fluentd's supervisor signals (v1.16.9) and what the agent does for each.
    public static let fluentdSignals: [Int32: ControlAction] = [
        SIGUSR1: .flushBuffers, SIGHUP: .reload, SIGUSR2: .gracefulReload, SIGINT: .stop, SIGTERM: .stop,
    ]

    private let id: Int
    private let signals: [Int32]

    /// Installs handlers for `signals` that run the mapped action on `plane`.
    public init(plane: ControlPlane, signals: [Int32: ControlAction] = SignalHandler.fluentdSignals, logger: Logger) {
        self.signals = Array(signals.keys)
        self.id = SignalDispatcher.shared.register(signals.mapValues { action in
            SignalDispatcher.Registration(action: action, plane: plane, logger: logger)
        })
    }

    /// Removes the handlers (restoring the default disposition of signals nobody else handles).
    public func cancel() {
        SignalDispatcher.shared.unregister(id: id)
    }

    static func name(of signo: Int32) -> String {
        switch signo {
        case SIGUSR1: "SIGUSR1"
        case SIGUSR2: "SIGUSR2"
        case SIGHUP: "SIGHUP"
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(signo)"
        }
    }
}

/// The write end of the self-pipe, read by the C signal handler. Set once (before any handler is installed)
/// and never changed, so the unsynchronised read in the handler is safe.
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

/// Async-signal-safe: one write(2) of the signal number.
private let forwardSignalToPipe: @convention(c) (Int32) -> Void = { signo in
    var byte = UInt8(truncatingIfNeeded: signo)
    _ = write(signalPipeWriteFD, &byte, 1)
}

/// Process-wide owner of the self-pipe and of which `SignalHandler` wants which signal.
final class SignalDispatcher: Sendable {
    struct Registration: Sendable {
        let action: ControlAction
        let plane: ControlPlane
        let logger: Logger
    }

    static let shared = SignalDispatcher()

    private struct State {
        var nextID = 0
        var handlers: [Int: [Int32: Registration]] = [:]
    }

    private let state: NIOLockedValueBox<State>
    // nonisolated(unsafe): created once in init and never reassigned; Dispatch sources are thread-safe.
    nonisolated(unsafe) private let readSource: (any DispatchSourceRead)?

    private init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
            _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)  // never block inside the handler
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        }
        signalPipeWriteFD = fds[1]
        let box = NIOLockedValueBox(State())
        state = box
        let readFD = fds[0]
        if readFD >= 0 {
            let source = DispatchSource.makeReadSource(fileDescriptor: readFD, queue: DispatchQueue(label: "forwardlab.agent.signals"))
            source.setEventHandler { Self.drain(fd: readFD, state: box) }
            source.resume()
            readSource = source
        } else {
            readSource = nil
        }
    }

    func register(_ wanted: [Int32: Registration]) -> Int {
        state.withLockedValue { s in
            let id = s.nextID
            s.nextID += 1
            s.handlers[id] = wanted
            for signo in wanted.keys { _ = signal(signo, forwardSignalToPipe) }
            return id
        }
    }

    func unregister(id: Int) {
        state.withLockedValue { s in
            guard let removed = s.handlers.removeValue(forKey: id) else { return }
            let stillWanted = Set(s.handlers.values.flatMap(\.keys))
            for signo in removed.keys where !stillWanted.contains(signo) { _ = signal(signo, SIG_DFL) }
        }
    }

    /// Reads pending signal numbers and runs each registered action.
    private static func drain(fd: Int32, state: NIOLockedValueBox<State>) {
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { return }
            for byte in buffer[0..<n] {
                let signo = Int32(byte)
                let registrations = state.withLockedValue { s in s.handlers.values.compactMap { $0[signo] } }
                for r in registrations {
                    r.logger.info("received signal", metadata: ["signal": "\(SignalHandler.name(of: signo))", "action": "\(r.action.rawValue)"])
                    let plane = r.plane
                    let action = r.action
                    // The plane logs failures (e.g. a rejected reload, with file:line); nothing else to do here.
                    Task { _ = try? await plane.request(action) }
                }
            }
        }
    }
}
