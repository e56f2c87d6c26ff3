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

    /// The generator of one named random stream of a run: derived from the run's `seed` so a replay with the same
    /// seed draws the same values in every stream (balancer shuffle, retry jitter, ...); nil → system entropy.
    public static func stream(_ stream: RandomStream, seed: UInt64?) -> SeededRandom {
        guard let seed else { return fromSystem() }
        var mixer = SeededRandom(seed: seed ^ (0x9E37_79B9_7F4A_7C15 &* stream.rawValue))
        return SeededRandom(seed: mixer.next())
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

/// The independent random streams of one agent run (see `SeededRandom.stream`).
public enum RandomStream: UInt64, Sendable {
    /// retry_randomize jitter of the retry schedule.
    case retryJitter = 1
    /// `fwdlab_flush_thread_start seeded`: each buffer thread's start phase (`ThreadStartChoice`).
    case threadStart = 2
}
