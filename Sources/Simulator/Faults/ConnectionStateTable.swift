/// Per-connection state of a fault, keyed by connection id. Bounded: when close notifications are
/// missed, the oldest connections (lowest ids) are forgotten first, so memory cannot grow without end.
public struct ConnectionStateTable<Value: Sendable>: Sendable {
    private var values: [Int: Value] = [:]
    public let limit: Int

    public init(limit: Int = 4096) { self.limit = limit }

    public subscript(_ id: Int, default def: @autoclosure () -> Value) -> Value {
        get { values[id] ?? def() }
        set {
            values[id] = newValue
            if values.count > limit, let oldest = values.keys.min() { values[oldest] = nil }
        }
    }

    public subscript(_ id: Int) -> Value? {
        get { values[id] }
        set { values[id] = newValue }
    }

    public mutating func remove(_ id: Int) { values[id] = nil }
    public var count: Int { values.count }
}
