/// How a fault is installed: what the control API's `POST .../faults` body and a topology `faults:`
/// entry describe.
public struct FaultSpec: Sendable, Hashable, Codable {
    /// Unique per receiver; defaults to the kind.
    public var name: String
    public var kind: String
    public var params: FaultParameters
    /// Chance that the fault acts on an eligible event (1 = always).
    public var probability: Double
    public var enabled: Bool
    /// Delay after installation (or re-enabling) before the fault acts, nanoseconds.
    public var startAfterNanos: Int64
    /// How long the fault stays active once started (nil: until disabled or removed), nanoseconds.
    public var durationNanos: Int64?

    public init(kind: String, name: String? = nil, params: FaultParameters = [:], probability: Double = 1,
                enabled: Bool = true, startAfterNanos: Int64 = 0, durationNanos: Int64? = nil) {
        self.kind = kind
        self.name = name ?? kind
        self.params = params
        self.probability = probability
        self.enabled = enabled
        self.startAfterNanos = startAfterNanos
        self.durationNanos = durationNanos
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, params, probability, enabled
        case startAfter = "start_after"
        case duration
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? kind
        params = try c.decodeIfPresent(FaultParameters.self, forKey: .params) ?? [:]
        probability = try c.decodeIfPresent(Double.self, forKey: .probability) ?? 1
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
        startAfterNanos = try Self.decodeDuration(c, .startAfter) ?? 0
        durationNanos = try Self.decodeDuration(c, .duration)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(kind, forKey: .kind)
        try c.encode(params, forKey: .params)
        try c.encode(probability, forKey: .probability)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(DurationText.format(startAfterNanos), forKey: .startAfter)
        try c.encodeIfPresent(durationNanos.map(DurationText.format), forKey: .duration)
    }

    private static func decodeDuration(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int64? {
        guard let v = try c.decodeIfPresent(FaultValue.self, forKey: key) else { return nil }
        var r = FaultParameterReader(kind: "spec", FaultParameters([key.stringValue: v]))
        do {
            return try r.optionalDuration(key.stringValue)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(error)")
        }
    }

    /// Checks the fields that do not depend on the kind.
    public func validate() throws {
        guard !name.isEmpty, name.count <= 128, !name.contains("/") else {
            throw FaultError.invalidParameter(kind: kind, name: "name", message: "must be 1-128 characters without '/'")
        }
        guard probability.isFinite, (0 ... 1).contains(probability) else {
            throw FaultError.invalidParameter(kind: kind, name: "probability", message: "must be within 0...1")
        }
        guard startAfterNanos >= 0, (durationNanos ?? 0) >= 0 else {
            throw FaultError.invalidParameter(kind: kind, name: "start_after", message: "durations must be ≥ 0")
        }
    }
}
