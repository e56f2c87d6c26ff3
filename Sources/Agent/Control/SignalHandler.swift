import Dispatch
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps process signals onto control actions (§9.2): SIGUSR1 flush, SIGHUP reload, SIGUSR2 graceful reload,
/// SIGINT/SIGTERM graceful stop.
///
/// Uses Dispatch signal sources; the default disposition of each handled signal is set to ignore while
/// installed (so the process is not killed) and restored to the default on `cancel()`.
public final class SignalHandler: @unchecked Sendable {
    // @unchecked: `sources` is written once in init and only read afterwards (cancel); Dispatch sources are
    // thread-safe objects. Nothing else is stored.
    private let sources: [DispatchSourceSignal]
    private let signals: [Int32]

    /// Fluentd's supervisor signals (v1.16.9) and what the agent does for each.
    public static let fluentdSignals: [Int32: ControlAction] = [
        SIGUSR1: .flushBuffers, SIGHUP: .reload, SIGUSR2: .gracefulReload, SIGINT: .stop, SIGTERM: .stop,
    ]

    /// Installs handlers for `signals` that run the mapped action on `plane`.
    public init(plane: ControlPlane, signals: [Int32: ControlAction] = SignalHandler.fluentdSignals, logger: Logger) {
        let queue = DispatchQueue(label: "forwardlab.agent.signals")
        var sources: [DispatchSourceSignal] = []
        for (signo, action) in signals.sorted(by: { $0.key < $1.key }) {
            _ = signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: queue)
            source.setEventHandler {
                logger.info("received signal", metadata: ["signal": "\(Self.name(of: signo))", "action": "\(action.rawValue)"])
                Task {
                    // The plane logs failures (e.g. a rejected reload, with file:line); nothing else to do here.
                    _ = try? await plane.perform(action)
                }
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
        self.signals = Array(signals.keys)
    }

    /// Removes the handlers and restores the default disposition of the signals.
    public func cancel() {
        for s in sources { s.cancel() }
        for signo in signals { _ = signal(signo, SIG_DFL) }
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
