import FluentdConfig
import Logging

/// How Fluentd 1.16.9 renders one log record (log.rb `Log#format=`, `#caller_line`, `#event`): the pure part of the
/// agent's logging, with no clock and no output. See docs/agent-parameters.md, "Logging".
public struct FluentdLogFormat: Sendable, Equatable {
    /// `<system><log> format`.
    public enum Style: String, Sendable, Equatable, CaseIterable {
        case text, json
    }

    /// Fluentd's default `<system><log> time_format`.
    public static let defaultTimeFormat = "%Y-%m-%d %H:%M:%S %z"

    public var style: Style
    /// A strftime pattern (Ruby's directives, see `FluentdTimeFormat`).
    public var timeFormat: String
    /// The `#0 ` prefix (text) and `"worker_id":0` (json) of a supervised worker; nil for `--no-supervisor`, whose
    /// process logs as Fluentd's standalone type, without either.
    public var workerID: Int?
    /// At `log_level debug` or `trace` Fluentd's text lines carry a caller, which in 1.16.9 is always log.rb's own
    /// line for the level (quirk 37 in docs/quirks.md).
    public var showsCaller: Bool
    /// ANSI colours per level, as Fluentd uses when its output is a terminal.
    public var colored: Bool

    public init(style: Style = .text, timeFormat: String = Self.defaultTimeFormat, workerID: Int? = 0,
                showsCaller: Bool = false, colored: Bool = false) {
        self.style = style
        self.timeFormat = timeFormat
        self.workerID = workerID
        self.showsCaller = showsCaller
        self.colored = colored
    }

    /// Fluentd's name of a swift-log level; `notice` has no Fluentd counterpart and prints as `info`.
    public static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "trace"
        case .debug: "debug"
        case .info, .notice: "info"
        case .warning: "warn"
        case .error: "error"
        case .critical: "fatal"
        }
    }

    /// The line number of each level's write in 1.16.9's log.rb: what its debug-mode caller names.
    static func callerLine(_ level: Logger.Level) -> Int {
        switch level {
        case .trace: 319
        case .debug: 341
        case .info, .notice: 362
        case .warning: 383
        case .error: 404
        case .critical: 425
        }
    }

    /// Fluentd's TTY colours (log.rb `TTYColor`), as escape sequences before the line and after it.
    static func colors(_ level: Logger.Level) -> (String, String) {
        let code: String
        switch level {
        case .trace: code = "1;34"
        case .debug: code = "1;37"
        case .info, .notice: code = "1;32"
        case .warning: code = "1;33"
        case .error: code = "1;35"
        case .critical: code = "1;31"
        }
        return ("\u{1B}[\(code)m", "\u{1B}[0;39m")
    }

    /// One record, without the newline. `message` is already rendered (see `message(_:metadata:)`); `showsCaller`
    /// overrides the format's (a plugin logger never shows one).
    public func line(level: Logger.Level, time: FluentdTimeFormat.Instant, message: String, showsCaller: Bool? = nil) -> String {
        let timeText = FluentdTimeFormat.format(timeFormat, time)
        let name = Self.levelName(level)
        switch style {
        case .text:
            var line = "\(timeText) [\(name)]: "
            if let workerID { line += "#\(workerID) " }
            if showsCaller ?? self.showsCaller { line += "fluent/log.rb:\(Self.callerLine(level)):\(name): " }
            line += message
            guard colored else { return line }
            let (on, off) = Self.colors(level)
            return on + line + off
        case .json:
            // Yajl's field order: time, level, message, then worker_id for a worker's record. Yajl writes a control
            // character's escape in upper case (`\u001B`), ConfigJSON in lower case: the same JSON.
            var json = "{\"time\":\(ConfigJSON.quote(timeText)),\"level\":\"\(name)\",\"message\":\(ConfigJSON.quote(message))"
            if let workerID { json += ",\"worker_id\":\(workerID)" }
            return json + "}"
        }
    }

    /// The message followed by ` key=value` for every metadata entry, values rendered as Ruby's `inspect` would
    /// (log.rb `Log#event`). Keys are sorted: swift-log's metadata has no order, Fluentd's hash keeps the caller's.
    public static func message(_ text: String, metadata: Logger.Metadata?) -> String {
        guard let metadata, !metadata.isEmpty else { return text }
        var out = text
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            // Fluentd renders an exception under `error` as its class and message.
            if key == "error", metadata["error_class"] == nil, case let .stringConvertible(v) = value, let error = v as? any Error {
                out += " error_class=\(String(describing: type(of: error))) error=\(RubyInspect.string("\(v)"))"
                continue
            }
            out += " \(key)=\(inspect(value))"
        }
        return out
    }

    /// Ruby's `inspect` of a metadata value: strings quoted, numbers and booleans bare, arrays and hashes as Ruby
    /// prints them.
    public static func inspect(_ value: Logger.MetadataValue) -> String {
        switch value {
        case let .string(s):
            return RubyInspect.string(s)
        case let .stringConvertible(v):
            switch v {
            case let b as Bool: return b ? "true" : "false"
            case let x as Double: return RubyInspect.float(x)
            case let x as Float: return RubyInspect.float(Double(x))
            case let i as any BinaryInteger: return "\(i)"
            default: return RubyInspect.string(v.description)
            }
        case let .array(items):
            return "[" + items.map(inspect).joined(separator: ", ") + "]"
        case let .dictionary(d):
            return "{" + d.sorted { $0.key < $1.key }.map { "\(RubyInspect.string($0.key))=>\(inspect($0.value))" }
                .joined(separator: ", ") + "}"
        }
    }
}
