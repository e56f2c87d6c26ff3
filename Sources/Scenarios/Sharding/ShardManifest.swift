import Foundation
import Simulator

/// What a shard ran and of what: written into every shard's output so `fwdlab report merge` can refuse shards of
/// different inputs, missing shards and overlapping ones instead of producing a wrong report (docs/sharding.md).
public struct ShardManifest: Sendable, Equatable, Codable {
    /// The command that produced the shard: `run` or `tune`.
    public var command: String
    /// This shard, `K/N` as `index` and `count`.
    public var shard: ShardSpec
    /// Everything the results depend on, as `name → canonical value` (files by content digest, options as given).
    public var inputs: [String: String]
    /// FNV-1a 64 of the canonical inputs (hex): one figure that differs when any input differs.
    public var inputsDigest: String
    /// Units of work of the whole run (all shards together) and the assignment rule.
    public var unitCount: Int
    public var assignment = "round-robin"
    /// Wall-clock facts, never compared: when the shard started (ISO-8601) and how long it took.
    public var startedAt: String
    public var wallSeconds: Double

    public init(command: String, shard: ShardSpec, inputs: [String: String], unitCount: Int, startedAt: Date = Date(),
                wallSeconds: Double = 0) {
        self.command = command
        self.shard = shard
        self.inputs = inputs
        inputsDigest = Self.digest(inputs)
        self.unitCount = unitCount
        self.startedAt = ISO8601DateFormatter().string(from: startedAt)
        self.wallSeconds = wallSeconds
    }

    /// FNV-1a 64 of `key=value` lines in key order, as 16 hex digits.
    public static func digest(_ inputs: [String: String]) -> String {
        let canonical = inputs.keys.sorted().map { "\($0)=\(inputs[$0]!)" }.joined(separator: "\n")
        return hex(FaultRandom.fnv1a(canonical))
    }

    /// A file's identity for `inputs`: its length and FNV-1a 64 of its text.
    public static func fileIdentity(_ text: String) -> String {
        "\(text.utf8.count) bytes, fnv1a64 \(hex(FaultRandom.fnv1a(text)))"
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// The inputs whose values differ between two manifests, each as `name: 'a' vs 'b'`.
    public func differences(from other: ShardManifest) -> [String] {
        var out: [String] = []
        if command != other.command { out.append("command: '\(command)' vs '\(other.command)'") }
        if shard.count != other.shard.count { out.append("shard count N: \(shard.count) vs \(other.shard.count)") }
        for key in Set(inputs.keys).union(other.inputs.keys).sorted() where inputs[key] != other.inputs[key] {
            out.append("\(key): '\(inputs[key] ?? "(absent)")' vs '\(other.inputs[key] ?? "(absent)")'")
        }
        if unitCount != other.unitCount { out.append("units: \(unitCount) vs \(other.unitCount)") }
        return out
    }
}
