/// A fault's named parameters (`params` in the control API and the topology file).
public struct FaultParameters: Sendable, Hashable, Codable, ExpressibleByDictionaryLiteral {
    public var values: [String: FaultValue]

    public init(_ values: [String: FaultValue] = [:]) { self.values = values }
    public init(dictionaryLiteral elements: (String, FaultValue)...) {
        values = Dictionary(elements, uniquingKeysWith: { _, b in b })
    }

    public subscript(_ name: String) -> FaultValue? {
        get { values[name] }
        set { values[name] = newValue }
    }

    public init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: FaultValue].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(values)
    }

    /// These parameters with `other`'s values laid over them (for partial updates).
    public func merging(_ other: FaultParameters) -> FaultParameters {
        FaultParameters(values.merging(other.values) { _, new in new })
    }
}
