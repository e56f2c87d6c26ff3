/// Reads typed parameters for one fault kind, with errors naming the kind and the parameter, and
/// rejects parameters nobody asked for (typos must not silently fall back to defaults).
public struct FaultParameterReader {
    public let kind: String
    public let parameters: FaultParameters
    private var used: Set<String> = []

    public init(kind: String, _ parameters: FaultParameters) {
        self.kind = kind
        self.parameters = parameters
    }

    private mutating func value(_ name: String) -> FaultValue? {
        used.insert(name)
        if case .null? = parameters[name] { return nil }
        return parameters[name]
    }

    public func invalid(_ name: String, _ message: String) -> FaultError {
        .invalidParameter(kind: kind, name: name, message: message)
    }

    /// True when the parameter is present (and marks it as read).
    public mutating func has(_ name: String) -> Bool { value(name) != nil }

    public mutating func double(_ name: String, default def: Double? = nil, range: ClosedRange<Double>? = nil) throws -> Double {
        guard let v = value(name) else {
            if let def { return def }
            throw FaultError.missingParameter(kind: kind, name: name)
        }
        let d: Double
        switch v {
        case let .number(x): d = x
        case let .string(s):
            guard let x = Double(s) else { throw invalid(name, "'\(s)' is not a number") }
            d = x
        default: throw invalid(name, "expected a number, got a \(v.typeName)")
        }
        guard d.isFinite else { throw invalid(name, "must be finite") }
        if let range, !range.contains(d) { throw invalid(name, "\(d) is outside \(range.lowerBound)...\(range.upperBound)") }
        return d
    }

    public mutating func optionalDouble(_ name: String, range: ClosedRange<Double>? = nil) throws -> Double? {
        guard has(name) else { return nil }
        return try double(name, range: range)
    }

    public mutating func probability(_ name: String, default def: Double? = nil) throws -> Double {
        try double(name, default: def, range: 0 ... 1)
    }

    public mutating func int(_ name: String, default def: Int? = nil, range: ClosedRange<Int>? = nil) throws -> Int {
        let d = try double(name, default: def.map(Double.init))
        guard d.rounded() == d, abs(d) < 9e15 else { throw invalid(name, "expected an integer, got \(d)") }
        let i = Int(d)
        if let range, !range.contains(i) { throw invalid(name, "\(i) is outside \(range.lowerBound)...\(range.upperBound)") }
        return i
    }

    public mutating func optionalInt(_ name: String, range: ClosedRange<Int>? = nil) throws -> Int? {
        guard has(name) else { return nil }
        return try int(name, range: range)
    }

    public mutating func bool(_ name: String, default def: Bool) throws -> Bool {
        guard let v = value(name) else { return def }
        switch v {
        case let .bool(b): return b
        case .string("true"), .string("yes"), .string("on"): return true
        case .string("false"), .string("no"), .string("off"): return false
        default: throw invalid(name, "expected true or false, got \(v)")
        }
    }

    public mutating func string(_ name: String, default def: String? = nil, allowed: [String]? = nil) throws -> String {
        guard let v = value(name) else {
            if let def { return def }
            throw FaultError.missingParameter(kind: kind, name: name)
        }
        let s: String
        switch v {
        case let .string(x): s = x
        case let .number(x): s = FaultValue.number(x).description
        case let .bool(b): s = String(b)
        default: throw invalid(name, "expected a string, got a \(v.typeName)")
        }
        if let allowed, !allowed.contains(s) {
            throw invalid(name, "'\(s)' is not one of \(allowed.joined(separator: ", "))")
        }
        return s
    }

    public mutating func optionalString(_ name: String) throws -> String? {
        guard has(name) else { return nil }
        return try string(name)
    }

    /// A duration in nanoseconds: a string with a unit (ns, us, ms, s, m, h); a bare number is refused
    /// (`DurationText`), except 0.
    public mutating func duration(_ name: String, default def: Int64? = nil) throws -> Int64 {
        guard let v = value(name) else {
            if let def { return def }
            throw FaultError.missingParameter(kind: kind, name: name)
        }
        switch v {
        case let .number(v):
            if v == 0 { return 0 }
            throw invalid(name, DurationText.problem(v.isFinite && v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)))
        case let .string(s):
            guard let n = DurationText.parse(s) else { throw invalid(name, DurationText.problem(s)) }
            return n
        default:
            throw invalid(name, "expected a duration, got a \(v.typeName)")
        }
    }

    public mutating func optionalDuration(_ name: String) throws -> Int64? {
        guard has(name) else { return nil }
        return try duration(name)
    }

    /// Throws for the first parameter that was never read.
    public func rejectUnknown() throws {
        for name in parameters.values.keys.sorted() where !used.contains(name) {
            throw FaultError.unknownParameter(kind: kind, name: name)
        }
    }
}
