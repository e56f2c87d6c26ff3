import Logging

/// The agent's logging as `<system>` and the command line set it, resolved the way Fluentd 1.16.9's command and
/// supervisor do (command/fluentd.rb `-v`/`-q`/`-o`, supervisor.rb `setup_global_logger`).
public struct AgentLogOptions: Sendable, Equatable {
    /// Effective level.
    public var level: CoreLogLevel
    public var format: FluentdLogFormat
    public var destination: FluentdLogOutput.Destination
    /// `ignore_repeated_log_interval`, seconds.
    public var ignoreRepeatedLogInterval: Double?
    /// `ignore_same_log_interval`, seconds.
    public var ignoreSameLogInterval: Double?

    /// `-v`/`-q` counts, `-o PATH` and `--no-supervisor` on top of `system`. Any `-v` or `-q` replaces
    /// `<system> log_level`: Fluentd counts them from `info`, not from the file's level, and stops at `trace`/`error`.
    public init(system: SystemConfig, verbose: Int = 0, quiet: Int = 0, logPath: String? = nil, supervised: Bool = true) {
        var level = CoreLogLevel(rawValue: system.logLevel.rawValue) ?? .info
        if verbose > 0 || quiet > 0 {
            let all: [CoreLogLevel] = [.trace, .debug, .info, .warn, .error]
            level = all[min(max(2 - verbose + quiet, 0), all.count - 1)]
        }
        self.level = level
        format = FluentdLogFormat(style: system.logFormat, timeFormat: system.logTimeFormat, workerID: supervised ? 0 : nil,
                                  showsCaller: level <= .debug, colored: logPath == nil)
        // `-o -` is Fluentd's way of saying standard output.
        destination = switch logPath {
        case nil: .standardError
        case "-": .standardOutput
        case let path?: .file(path)
        }
        ignoreRepeatedLogInterval = system.ignoreRepeatedLogInterval
        ignoreSameLogInterval = system.ignoreSameLogInterval
    }

    /// A logger writing these lines; throws `FluentdLogOutput.OpenError` when the log file cannot be opened.
    public func logger(label: String = "fwdlab.agent", clock: @escaping @Sendable () -> FluentdTimeFormat.Instant = FluentdLogOutput.now) throws -> Logger {
        let output = try FluentdLogOutput(destination: destination, format: format,
                                          limiter: LogRateLimiter(repeatedInterval: ignoreRepeatedLogInterval,
                                                                  sameInterval: ignoreSameLogInterval),
                                          clock: clock)
        return Self.logger(label: label, output: output, level: level)
    }

    /// The logger of a plugin section, as Fluentd gives one with `@id` or `@log_level` its own copy
    /// (log.rb `PluginLoggerMixin#configure`): `[@id] ` before each message, its own level, and no debug caller.
    /// Without either it is `base` itself. `base` must come from `logger(label:clock:)` (it shares its output).
    public static func pluginLogger(_ base: Logger, id: String?, level: SystemConfig.LogLevel?) -> Logger {
        guard id != nil || level != nil, let handler = base.handler as? FluentdLogHandler else { return base }
        let own = level.map { AgentEventHub.level(CoreLogLevel(rawValue: $0.rawValue) ?? .info) } ?? base.logLevel
        return logger(label: base.label, output: handler.output, level: own, header: id.map { "[\($0)] " } ?? "", showsCaller: false)
    }

    private static func logger(label: String, output: FluentdLogOutput, level: Logger.Level, header: String = "",
                               showsCaller: Bool = true) -> Logger {
        var logger = Logger(label: label) { _ in FluentdLogHandler(output: output, level: level, header: header, showsCaller: showsCaller) }
        logger.logLevel = level
        return logger
    }

    private static func logger(label: String, output: FluentdLogOutput, level: CoreLogLevel) -> Logger {
        logger(label: label, output: output, level: AgentEventHub.level(level))
    }
}
