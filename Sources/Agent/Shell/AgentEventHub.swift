import Foundation
import Logging
import NIOConcurrencyHelpers

/// Fans the agent's events out to an `AsyncStream`, an optional callback and an optional JSON-lines file, and writes
/// the core's log lines through swift-log with Fluentd's wording.
///
/// `@unchecked Sendable` is safe: the mutable file handle and continuation are only touched under `lock`.
public final class AgentEventHub: @unchecked Sendable {
    private let lock = NIOLock()
    private let clock: any AgentClock
    private let sink: (@Sendable (AgentEventRecord) -> Void)?
    private var file: FileHandle?
    private var continuation: AsyncStream<AgentEventRecord>.Continuation?
    private var subscribed: AsyncStream<AgentEventRecord>?
    private var finished = false
    public let logger: Logger

    public init(clock: any AgentClock, logger: Logger, sink: (@Sendable (AgentEventRecord) -> Void)?, jsonLinesPath: String?) throws {
        self.clock = clock
        self.logger = logger
        self.sink = sink
        if let path = jsonLinesPath {
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            guard let h = FileHandle(forWritingAtPath: path) else {
                throw FileChunkStoreError.io("cannot open event file \(path)")
            }
            h.seekToEndOfFile()
            file = h
        }
    }

    /// The stream of events (one consumer), from the first time it is asked for: events before that are not kept.
    /// Created on demand because an agent nobody subscribes to (every `fwdlab agent` process) would otherwise keep its
    /// newest 100 000 events for no reader: 1.3 MB of the relay's heap after ten seconds (heaptrack), growing to the cap.
    public var stream: AsyncStream<AgentEventRecord> {
        lock.withLock {
            if let subscribed { return subscribed }
            var cont: AsyncStream<AgentEventRecord>.Continuation?
            let s = AsyncStream(bufferingPolicy: .bufferingNewest(100_000)) { cont = $0 }
            if finished { cont?.finish() } else { continuation = cont }
            subscribed = s
            return s
        }
    }

    /// Emits one event stamped now.
    public func emit(_ event: AgentEvent) {
        let record = AgentEventRecord(monotonic: clock.monotonicNow, event: event)
        sink?(record)
        lock.withLock {
            continuation?.yield(record)
            if let file { file.write(Data((record.jsonLine + "\n").utf8)) }
        }
    }

    /// Emits a shell event (chunk lifecycle, retries) with the current wall time.
    public func emit(node: String = "", event: AgentEventKind, cause: String? = nil, detail: String? = nil) {
        emit(AgentEvent(time: clock.now, node: node, event: event, cause: cause, detail: detail))
    }

    /// Writes one of the core's log lines.
    public func log(_ line: CoreLog) {
        log(line.level, line.message)
    }

    public func log(_ level: CoreLogLevel, _ message: String) {
        logger.log(level: Self.level(level), "\(message)")
    }

    static func level(_ l: CoreLogLevel) -> Logger.Level {
        switch l {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .warn: .warning
        case .error: .error
        case .fatal: .critical
        }
    }

    /// Ends the stream and closes the file.
    public func finish() {
        lock.withLock {
            continuation?.finish()
            continuation = nil
            finished = true
            try? file?.close()
            file = nil
        }
    }
}
