import Foundation
import Logging
import NIOConcurrencyHelpers

/// Collects the agent's log lines for a run: kept in memory (for `log_contains`) and written to `agent.log`.
public final class AgentLogSink: Sendable {
    private let clock: RunClock
    private let lines = NIOLockedValueBox<[String]>([])
    private let limit = 100_000

    init(clock: RunClock) { self.clock = clock }

    func append(level: Logger.Level, message: String, metadata: Logger.Metadata?) {
        var line = String(format: "%9.3f ", clock.now) + "[\(level)] \(message)"
        if let metadata, !metadata.isEmpty {
            line += " " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        lines.withLockedValue { if $0.count < limit { $0.append(line) } }
    }

    /// Every line so far.
    public var text: String { lines.withLockedValue { $0.joined(separator: "\n") } }

    /// A logger writing here at `level`.
    func logger(level: Logger.Level = .info) -> Logger {
        var l = Logger(label: "fwdlab.agent") { _ in AgentLogHandler(sink: self) }
        l.logLevel = level
        return l
    }
}

/// swift-log handler feeding an `AgentLogSink`.
struct AgentLogHandler: LogHandler {
    let sink: AgentLogSink
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let m = event.metadata { merged.merge(m) { _, new in new } }
        sink.append(level: event.level, message: "\(event.message)", metadata: merged)
    }
}
