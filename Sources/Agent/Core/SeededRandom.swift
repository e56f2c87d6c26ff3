import ForwardProtocol

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

    public mutating func next() -> UInt64 { SplitMix64.next(&state) }

    /// Uniform Double in [0, 1), like Ruby's `rand`.
    public mutating func nextUnit() -> Double {
        SplitMix64.unit(next())
    }

    /// Uniform integer in `0..<upperBound`, or 0 if `upperBound <= 0`, like Ruby's `rand(n)`.
    public mutating func nextInt(below upperBound: Int) -> Int {
        guard upperBound > 0 else { return 0 }
        return Int(next(upperBound: UInt64(upperBound)))
    }
}
