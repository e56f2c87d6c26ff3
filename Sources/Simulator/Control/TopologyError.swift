/// A topology file problem, located by file, line and column and naming the field.
public struct TopologyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// Dotted path of the field, e.g. `receivers[1].faults[0].params.delay`.
    public var field: String
    public var message: String

    public var description: String { "\(file):\(line):\(column): \(field): \(message)" }
}
