/// A problem with tuning input (network model, trace, grid), naming the file and line when known.
public struct TuningError: Error, CustomStringConvertible, Sendable, Equatable {
    /// File the problem was found in, if any.
    public var file: String?
    /// 1-based line, if known.
    public var line: Int?
    /// What is wrong, in plain words.
    public var message: String

    public init(file: String? = nil, line: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        switch (file, line) {
        case let (f?, l?): "\(f):\(l): \(message)"
        case let (f?, nil): "\(f): \(message)"
        case let (nil, l?): "line \(l): \(message)"
        case (nil, nil): message
        }
    }
}
