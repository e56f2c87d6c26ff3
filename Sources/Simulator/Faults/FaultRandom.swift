import ForwardProtocol

/// A SplitMix64 generator: every random fault decision comes from one of these, so a seed replays a run.
///
/// Each installed fault owns its own stream (derived from the run seed, the receiver and the fault's
/// name), so adding or removing one fault never shifts the decisions of another.
public struct FaultRandom: RandomNumberGenerator, Sendable, Hashable {
    /// Current state; equal states produce equal sequences.
    public private(set) var state: UInt64

    /// A generator whose sequence is fully determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// A generator for one fault: mixes the run seed with stable hashes of the receiver and fault names.
    public init(seed: UInt64, receiver: String, fault: String) {
        var mixer = FaultRandom(seed: seed ^ Self.fnv1a(receiver) &* 0x9E37_79B9_7F4A_7C15)
        state = mixer.next() ^ Self.fnv1a(fault)
    }

    public mutating func next() -> UInt64 { SplitMix64.next(&state) }

    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double {
        SplitMix64.unit(next())
    }

    /// Uniform in (0, 1]: safe to take the logarithm of.
    public mutating func nextOpenUnit() -> Double {
        1 - nextUnit()
    }

    /// True with probability `p` (no draw when p ≥ 1 or p ≤ 0, so certain faults do not consume the stream).
    public mutating func chance(_ p: Double) -> Bool {
        if p >= 1 { return true }
        if p <= 0 { return false }
        return nextUnit() < p
    }

    /// A standard normal variate (Box–Muller; one of the pair is discarded to keep the stream stateless).
    public mutating func nextGaussian() -> Double {
        let u1 = nextOpenUnit()
        let u2 = nextUnit()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }

    /// FNV-1a 64-bit: a hash that is stable across processes (Swift's `Hasher` is randomly seeded).
    public static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { cos(x) }
@inline(__always) func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
