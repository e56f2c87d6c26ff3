#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif
import Foundation
import Logging
import NIOConcurrencyHelpers

/// A swift-log handler that writes Fluentd 1.16.9's log lines (`FluentdLogFormat`) to a `FluentdLogOutput`, after
/// the output's `LogRateLimiter`.
public struct FluentdLogHandler: LogHandler {
    public let output: FluentdLogOutput
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    /// A plugin logger's `[@id] ` before every message (log.rb `PluginLoggerMixin#configure`); empty otherwise.
    public let header: String
    /// False for a plugin logger: Fluentd's copy of the logger for a plugin with `@id` or `@log_level` loses the
    /// debug-mode caller (measured on 1.16.9).
    public let showsCaller: Bool

    public init(output: FluentdLogOutput, level: Logger.Level, header: String = "", showsCaller: Bool = true) {
        self.output = output
        self.logLevel = level
        self.header = header
        self.showsCaller = showsCaller
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let m = event.metadata { merged.merge(m) { _, new in new } }
        output.write(level: event.level, message: header + FluentdLogFormat.message("\(event.message)", metadata: merged),
                     showsCaller: showsCaller ? nil : false)
    }
}

/// Where the agent's log goes (stderr, stdout or an appended file), shared by every copy of the handler: the
/// descriptor, the format and the rate limiter's state.
public final class FluentdLogOutput: Sendable {
    /// Where lines are written.
    public enum Destination: Sendable, Equatable {
        case standardError, standardOutput
        /// Appended to; created (with its directory) when missing, as Fluentd's `-o` does.
        case file(String)
    }

    /// Why a log file cannot be opened.
    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    private let fd: Int32
    private let ownsDescriptor: Bool
    public let format: FluentdLogFormat
    private let clock: @Sendable () -> FluentdTimeFormat.Instant
    // The limiter's caches change on every admitted line, so they live with the lock that also orders the writes.
    private let limiter: NIOLockedValueBox<LogRateLimiter>
    private let limiting: Bool

    /// Opens `destination`; a file that cannot be opened is an `OpenError` naming it. A terminal gets Fluentd's
    /// colours unless `format` says otherwise for a file (Fluentd never colours `-o` files).
    public init(destination: Destination, format: FluentdLogFormat, limiter: LogRateLimiter = LogRateLimiter(),
                clock: @escaping @Sendable () -> FluentdTimeFormat.Instant = FluentdLogOutput.now) throws {
        var format = format
        switch destination {
        case .standardError:
            (fd, ownsDescriptor) = (2, false)
        case .standardOutput:
            (fd, ownsDescriptor) = (1, false)
        case .file(let path):
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
                try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
            let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard opened >= 0 else {
                throw OpenError(description: "cannot open log file \(path): \(String(cString: strerror(errno)))")
            }
            (fd, ownsDescriptor) = (opened, true)
            format.colored = false
        }
        if format.colored, isatty(fd) == 0 { format.colored = false }
        self.format = format
        self.clock = clock
        self.limiter = NIOLockedValueBox(limiter)
        self.limiting = limiter.isActive
    }

    deinit {
        if ownsDescriptor { _ = close(fd) }
    }

    /// Writes one record of an already rendered `message` (see `FluentdLogFormat.message(_:metadata:)`), unless the
    /// rate limiter drops it.
    public func write(level: Logger.Level, message: String, showsCaller: Bool? = nil) {
        let time = clock()
        let line = format.line(level: level, time: time, message: message, showsCaller: showsCaller) + "\n"
        // One lock for the limiter and the write keeps concurrent lines whole and in admission order.
        limiter.withLockedValue { limiter in
            if limiting, !limiter.admit(message, at: Double(time.wallNanos) / 1e9) { return }
            var bytes = Array(line.utf8)[...]
            while !bytes.isEmpty {
                let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }  // a closed stderr must not stop the agent; Fluentd ignores it too
                bytes = bytes.dropFirst(n)
            }
        }
    }

    /// The wall clock in the process's time zone (Fluentd stamps lines with `Time.now`, local time).
    @Sendable public static func now() -> FluentdTimeFormat.Instant {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var secs = ts.tv_sec
        var parts = tm()
        localtime_r(&secs, &parts)
        let zone = parts.tm_zone.map { String(cString: $0) } ?? "UTC"
        return .init(wallNanos: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec), utcOffset: Int(parts.tm_gmtoff),
                     zoneName: zone)
    }
}
