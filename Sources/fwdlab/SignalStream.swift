import Dispatch
import Foundation

/// Delivers chosen signals as an async sequence (the default actions are disabled while it runs).
enum SignalStream {
    static func signals(_ numbers: [Int32]) -> AsyncStream<Int32> {
        AsyncStream { continuation in
            var sources: [any DispatchSourceSignal] = []
            for number in numbers {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                sources.append(source)
            }
            let keep = SignalSources(sources)
            continuation.onTermination = { _ in keep.cancel() }
        }
    }
}

/// Keeps signal sources alive for the stream's lifetime.
/// `@unchecked Sendable`: the array is never mutated after init, and DispatchSource.cancel() is thread-safe.
private final class SignalSources: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
    func cancel() { sources.forEach { $0.cancel() } }
}
