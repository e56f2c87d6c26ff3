/// A small deterministic generator (SplitMix64) so every random decision in the core is reproducible from a seed.
public struct SeededRandom: RandomNumberGenerator, Sendable, Equatable {
    /// Current internal state; equal states produce equal sequences.
    public private(set) var state: UInt64

    /// A generator whose sequence is fully determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// A generator seeded from the system's entropy source (production use).
    public static func fromSystem() -> SeededRandom {
        var system = SystemRandomNumberGenerator()
        return SeededRandom(seed: system.next())
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// Uniform Double in [0, 1), like Ruby's `rand`.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in `0..<upperBound`, or 0 if `upperBound <= 0`, like Ruby's `rand(n)`.
    public mutating func nextInt(below upperBound: Int) -> Int {
        guard upperBound > 0 else { return 0 }
        return Int(next(upperBound: UInt64(upperBound)))
    }
}
