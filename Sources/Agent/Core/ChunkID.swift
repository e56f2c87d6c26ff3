import Foundation

/// A buffer chunk's 16-byte unique id (unique_id.rb; docs/forward-protocol.md, "Chunk id"): bytes 0-7 big-endian `(unix_µs << 12) | rand12`, 8-15 random.
public struct ChunkID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Bytes 0-7 as a big-endian integer.
    public var high: UInt64
    /// Bytes 8-15 as a big-endian integer.
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// From exactly 16 bytes; nil otherwise.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        var h: UInt64 = 0
        var l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { l = l << 8 | UInt64(bytes[i]) }
        self.init(high: h, low: l)
    }

    /// A new id for wall time `now`, with randomness from `rng` (Ruby: `rand(0xfff)`, `rand(0xffffffff)`).
    public static func generate(now: AgentSeconds, rng: inout SeededRandom) -> ChunkID {
        // Ruby: now.to_i * 10^6 + now.usec (both floored); clamp absurd clocks instead of trapping.
        let secs = now.isFinite ? max(0, min(now, 1e12)) : 0
        let whole = secs.rounded(.down)
        let usec = UInt64(min(999_999, max(0, ((secs - whole) * 1e6).rounded(.down))))
        let micros = UInt64(whole) * 1_000_000 + usec
        let high = (micros << 12) | UInt64(rng.nextInt(below: 0xfff))
        let w1 = UInt64(rng.nextInt(below: 0xffff_ffff))
        let w2 = UInt64(rng.nextInt(below: 0xffff_ffff))
        return ChunkID(high: high, low: w1 << 32 | w2)
    }

    /// The 16 raw bytes.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
    }

    /// The `chunk` option value: Base64 with the trailing newline Ruby's encoder adds (25 characters, quirk 21 (docs/quirks.md)).
    public var ackValue: String { Data(bytes).base64EncodedString() + "\n" }

    /// Lowercase hex, as Fluentd logs chunk ids (`dump_unique_id_hex`).
    public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// Creation time encoded in the id (µs since the epoch).
    public var unixMicroseconds: UInt64 { high >> 12 }

    public var description: String { hex }

    public static func < (a: ChunkID, b: ChunkID) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
