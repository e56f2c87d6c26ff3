/// A position in a configuration file: the file label and a 1-based line number (0 when unknown).
public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// `file:line`, or just the file when the line is unknown.
    public var description: String {
        line > 0 ? "\(file):\(line)" : file
    }
}

/// The single error type of this module: a message tied to a file and line.
///
/// Value-conversion helpers (`ConfigValueTypes`) throw it with an empty file and line 0;
/// `ParameterReader` re-throws it with the parameter's location filled in.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public init(_ message: String, at location: ConfigLocation?) {
        self.init(file: location?.file ?? "", line: location?.line ?? 0, message: message)
    }

    /// The location, or nil for errors raised without one (plain value conversion).
    public var location: ConfigLocation? {
        file.isEmpty && line == 0 ? nil : ConfigLocation(file: file, line: line)
    }

    /// `file:line: message`, the format compilers use, so editors can jump to it.
    public var description: String {
        guard let location else { return "ConfigError: \(message)" }
        return "\(location): \(message)"
    }

    /// The same message placed at `location` (used when a context-free conversion error surfaces).
    func relocated(to location: ConfigLocation, prefix: String? = nil) -> ConfigError {
        ConfigError(prefix.map { "\($0): \(message)" } ?? message, at: location)
    }
}

/// A non-fatal diagnostic (deprecated names, duplicated keys, Fluentd quirks worth knowing about).
public struct ConfigWarning: Sendable, Hashable, CustomStringConvertible {
    public let location: ConfigLocation
    public let message: String

    public init(_ message: String, at location: ConfigLocation) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): warning: \(message)" }
}
