import FluentdConfig
import ForwardProtocol

/// A record key as Fluentd's record_accessor helper reads it: a plain top-level key, or a path in dot (`$.a.b`) or
/// bracket (`$['a'][0]['b']`) notation into nested maps and arrays (docs/pipeline.md, "Record keys").
public struct RecordAccessor: Sendable, Equatable, CustomStringConvertible {
    /// One step of a path.
    public enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// The key as written.
    public let source: String
    public let steps: [Step]

    /// Parses `text`; a malformed `$` path is a ConfigError at `location`.
    public init(_ text: String, at location: ConfigLocation? = nil) throws(ConfigError) {
        source = text
        guard text.hasPrefix("$.") || text.hasPrefix("$[") else {
            steps = [.key(text)]
            return
        }
        var steps: [Step] = []
        var rest = Substring(text.dropFirst())
        while !rest.isEmpty {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let end = rest.firstIndex(where: { $0 == "." || $0 == "[" }) ?? rest.endIndex
                let name = rest[..<end]
                if name.isEmpty { throw ConfigError("invalid record_accessor syntax: \(text)", at: location) }
                steps.append(.key(String(name)))
                rest = rest[end...]
            } else if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else {
                    throw ConfigError("invalid record_accessor syntax: missing ']' in \(text)", at: location)
                }
                let inner = rest[rest.index(after: rest.startIndex)..<close]
                if let i = Int(inner) {
                    steps.append(.index(i))
                } else if inner.count >= 2, let q = inner.first, q == "'" || q == "\"", inner.last == q {
                    steps.append(.key(String(inner.dropFirst().dropLast())))
                } else {
                    throw ConfigError("invalid record_accessor syntax: \(text)", at: location)
                }
                rest = rest[rest.index(after: close)...]
            } else {
                throw ConfigError("invalid record_accessor syntax: \(text)", at: location)
            }
        }
        if steps.isEmpty { throw ConfigError("invalid record_accessor syntax: \(text)", at: location) }
        self.steps = steps
    }

    public var description: String { source }

    /// The value at this key, nil when any step is missing or not a container.
    public func value(in record: [MessagePackPair]) -> MessagePackValue? {
        var current = MessagePackValue.map(record)
        for step in steps {
            switch (step, current) {
            case let (.key(k), .map(pairs)):
                guard let v = pairs.first(where: { $0.key.stringValue == k })?.value else { return nil }
                current = v
            case let (.index(i), .array(a)):
                let j = i < 0 ? a.count + i : i
                guard a.indices.contains(j) else { return nil }
                current = a[j]
            default:
                return nil
            }
        }
        return current
    }

    /// Removes the value at this key, as the accessor's `delete` does (nothing when the path is absent).
    public func delete(from record: inout [MessagePackPair]) {
        record = Self.deleting(steps[...], in: .map(record)).mapValue ?? record
    }

    private static func deleting(_ steps: ArraySlice<Step>, in value: MessagePackValue) -> MessagePackValue {
        guard let step = steps.first else { return value }
        let last = steps.count == 1
        switch (step, value) {
        case let (.key(k), .map(pairs)):
            guard let i = pairs.firstIndex(where: { $0.key.stringValue == k }) else { return value }
            var p = pairs
            if last { p.remove(at: i) } else { p[i].value = deleting(steps.dropFirst(), in: p[i].value) }
            return .map(p)
        case let (.index(n), .array(a)):
            let j = n < 0 ? a.count + n : n
            guard a.indices.contains(j) else { return value }
            var b = a
            if last { b.remove(at: j) } else { b[j] = deleting(steps.dropFirst(), in: b[j]) }
            return .array(b)
        default:
            return value
        }
    }
}
