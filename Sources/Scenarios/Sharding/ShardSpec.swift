import Foundation

/// One shard of a sharded run: the K-th (1-based) of N, and which units of work it owns (docs/sharding.md).
///
/// Assignment is round-robin over the units in their canonical order (sorted scenario files; tuning runs
/// interval-major in grid order): unit `u` belongs to shard `u mod N + 1`. It depends only on the inputs, never
/// on the machine or on which other shards run, and shard sizes differ by at most one unit.
public struct ShardSpec: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// 1-based index of this shard.
    public let index: Int
    /// Number of shards.
    public let count: Int

    /// The whole run as one shard.
    public static let whole = ShardSpec(uncheckedIndex: 1, count: 1)

    /// A shard; throws unless 1 ≤ index ≤ count.
    public init(index: Int, count: Int) throws(ShardError) {
        guard count >= 1 else { throw ShardError("--shard: the shard count N must be at least 1 (got \(count))") }
        guard index >= 1 else { throw ShardError("--shard: K is 1-based and must be at least 1 (got \(index)); a 0-based index I is --shard $((I + 1))/N") }
        guard index <= count else { throw ShardError("--shard: K must not exceed N (got \(index)/\(count))") }
        self.index = index
        self.count = count
    }

    private init(uncheckedIndex: Int, count: Int) {
        self.index = uncheckedIndex
        self.count = count
    }

    /// Parses `K/N` (1-based K, e.g. `1/4` … `4/4`).
    public static func parse(_ text: String) throws(ShardError) -> ShardSpec {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let k = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces))
        else { throw ShardError("--shard: expected K/N with whole numbers, 1-based K (e.g. 2/4), got '\(text)'") }
        return try ShardSpec(index: k, count: n)
    }

    /// `K/N`.
    public var description: String { "\(index)/\(count)" }

    /// Whether unit `u` (0-based position in the canonical order) belongs to this shard.
    public func owns(_ u: Int) -> Bool { u % count == index - 1 }

    /// The shard that owns unit `u`.
    public static func owner(of u: Int, count: Int) -> Int { u % count + 1 }

    /// The positions this shard owns among `unitCount` units, ascending.
    public func units(of unitCount: Int) -> [Int] {
        guard index - 1 < unitCount else { return [] }
        return Array(stride(from: index - 1, to: unitCount, by: count))
    }

    /// The shard's file name inside an output directory: `shard-K-of-N.json`.
    public var fileName: String { "shard-\(index)-of-\(count).json" }
}

/// A `--shard` value or a merge that cannot be used, in plain words.
public struct ShardError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
